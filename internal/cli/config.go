package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"

	"github.com/habeas-kh/habeas/internal/store/sqldb"
	"github.com/habeas-kh/habeas/internal/yamlerr"
)

// defaultConfigFile is read when --config is not given, only if it exists:
// where the package installs the configuration.
const defaultConfigFile = "/etc/habeas/habeas.yaml"

// serveConfig is every setting of habeas serve. Each is also a key of the
// configuration file, a flag and an environment variable (settings below);
// a new setting is one field here and one row there.
type serveConfig struct {
	Addr              string
	DB                string
	DBRead            string
	DBReadMaxLag      time.Duration
	TLSCert, TLSKey   string
	TrustedProxies    []string
	MetricsAddr       string
	ReadyMaxLag       time.Duration
	LogFormat         string
	LogLevel          string
	InsecureCookies   bool
	Demo              bool
	ShutdownTimeout   time.Duration
	ScreeningInterval time.Duration
	OrgKeys           []string
}

// setting is one row of the table of settings. The key is the YAML key and
// the flag's name; the environment variable is HABEAS_ and the key in
// capitals with "_" for "-".
type setting struct {
	key   string
	usage string
	// ptr points into serveConfig: *string, *bool, *time.Duration or
	// *[]string (a repeatable flag, a YAML list, a comma-separated
	// variable).
	ptr any
	// def is the default, as a flag would be given it.
	def string
	// secret values are masked when shown (a password in a database URL).
	secret bool
	// inherited settings are flags of the root command (--db), registered
	// there, not by bind.
	inherited bool
	// flag is the flag's name when it is not the key (--org-key, given
	// once per organisation, for the key org-keys).
	flag string
}

func (s setting) env() string {
	return "HABEAS_" + strings.ToUpper(strings.ReplaceAll(s.key, "-", "_"))
}

// settings is the table of every serve setting, in the order habeas config
// check prints them.
func (c *serveConfig) settings() []setting {
	return []setting{
		{key: "addr", ptr: &c.Addr, def: "localhost:8080", usage: "address the web application listens on"},
		{key: "db", ptr: &c.DB, def: "habeas.db", secret: true, inherited: true, usage: "database: a SQLite file path, or a postgres:// URL"},
		{key: "db-read", ptr: &c.DBRead, secret: true, usage: "a postgres:// URL of a streaming replica of --db, which serves the public pages', reports' and exports' reads (every write, and a user's reads until the replica has their last write, go to --db)"},
		{key: "db-read-max-lag", ptr: &c.DBReadMaxLag, def: "30s", usage: "reads go to --db while the replica of --db-read is further behind than this"},
		{key: "tls-cert", ptr: &c.TLSCert, usage: "TLS certificate file (PEM, with its chain); read again on SIGHUP"},
		{key: "tls-key", ptr: &c.TLSKey, usage: "TLS private key file (PEM) of --tls-cert; read again on SIGHUP"},
		{key: "trusted-proxy", ptr: &c.TrustedProxies, usage: "address or CIDR of a reverse proxy whose X-Forwarded-For/-Proto, Forwarded and X-Request-Id headers are believed (repeatable)"},
		{key: "metrics-addr", ptr: &c.MetricsAddr, def: "127.0.0.1:9464", usage: `address of the Prometheus /metrics listener ("" for none); keep it off the public network`},
		{key: "ready-max-lag", ptr: &c.ReadyMaxLag, def: "1h", usage: "/readyz fails when the saved screenings are older than this behind the ledger (0: never)"},
		{key: "log-format", ptr: &c.LogFormat, def: "text", usage: "log format: json (one object a line) or text"},
		{key: "log-level", ptr: &c.LogLevel, def: "info", usage: "log level: debug, info, warn or error"},
		{key: "insecure-cookies", ptr: &c.InsecureCookies, def: "false", usage: "send session cookies over plain HTTP (trusted networks only)"},
		{key: "demo", ptr: &c.Demo, def: "false", usage: "fill an empty database with the demo register first"},
		{key: "shutdown-timeout", ptr: &c.ShutdownTimeout, def: "30s", usage: "how long requests still running may finish when asked to stop"},
		{key: "screening-interval", ptr: &c.ScreeningInterval, def: "30s", usage: "how often the saved screenings are checked against writes made by other processes"},
		{key: "org-keys", flag: "org-key", ptr: &c.OrgKeys, inherited: true, usage: "ORG=FILE: the key file of a monitoring organisation, which seals and opens its restricted records (a list)"},
	}
}

// configSources is where each setting's value came from, and the file read.
type configSources struct {
	file string            // "" when none was read
	from map[string]string // key → "flag --x", "env HABEAS_X", "file:line", "default"
}

// bindConfig registers the settings' flags on fs, with their defaults, and
// --config.
func bindConfig(fs *pflag.FlagSet, c *serveConfig, configFile *string) {
	fs.StringVar(configFile, "config", "", "configuration file (YAML; default "+defaultConfigFile+" when it exists; env HABEAS_CONFIG)")
	for _, s := range c.settings() {
		if s.inherited {
			continue
		}
		usage := s.usage + " (env " + s.env() + ")"
		switch p := s.ptr.(type) {
		case *string:
			fs.StringVar(p, s.key, s.def, usage)
		case *bool:
			fs.BoolVar(p, s.key, s.def == "true", usage)
		case *time.Duration:
			d, err := time.ParseDuration(s.def)
			if err != nil {
				panic(fmt.Sprintf("setting %s: default %q: %v", s.key, s.def, err)) // a programming error
			}
			fs.DurationVar(p, s.key, d, usage)
		case *[]string:
			fs.StringArrayVar(p, s.key, nil, usage)
		}
	}
}

// resolveConfig settles every setting: a flag given on the command line,
// else its environment variable, else the configuration file, else the
// default (which the flag already holds). The --db flag is the root
// command's, read into a.dsn.
func (a *app) resolveConfig(cmd *cobra.Command, c *serveConfig, configFile string) (configSources, error) {
	src := configSources{from: map[string]string{}}
	c.DB, c.OrgKeys = a.dsn, a.orgKeys
	fileVals, file, err := readConfigFile(configFile, c)
	if err != nil {
		return src, err
	}
	src.file = file
	for _, s := range c.settings() {
		name := s.key
		if s.flag != "" {
			name = s.flag
		}
		f := cmd.Flags().Lookup(name)
		switch {
		case f != nil && f.Changed:
			src.from[s.key] = "flag --" + name
		case os.Getenv(s.env()) != "":
			if err := setFromString(s.ptr, os.Getenv(s.env())); err != nil {
				return src, fmt.Errorf("environment variable %s: %w", s.env(), err)
			}
			src.from[s.key] = "env " + s.env()
		case fileVals[s.key] != nil:
			n := fileVals[s.key]
			if err := setFromNode(s.ptr, n); err != nil {
				return src, yamlerr.Error{File: file, Line: n.Line, Msg: fmt.Sprintf("%s: %v", s.key, err)}
			}
			src.from[s.key] = fmt.Sprintf("%s:%d", file, n.Line)
		default:
			src.from[s.key] = "default"
			if s.inherited {
				// The root flag's default may have come from the
				// environment before the file was read: reset it.
				if err := setFromString(s.ptr, s.def); err != nil {
					return src, err
				}
			}
		}
	}
	a.dsn, a.orgKeys = c.DB, c.OrgKeys
	if err := c.check(src); err != nil {
		return src, err
	}
	return src, nil
}

// readConfigFile reads the YAML file's keys (their value nodes), refusing
// an unknown key. An empty name reads HABEAS_CONFIG or the default file if
// it exists.
func readConfigFile(name string, c *serveConfig) (map[string]*yaml.Node, string, error) {
	if name == "" {
		name = os.Getenv("HABEAS_CONFIG")
	}
	if name == "" {
		if _, err := os.Stat(defaultConfigFile); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, "", nil
			}
			return nil, "", fmt.Errorf("reading the configuration: %w", err)
		}
		name = defaultConfigFile
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, "", fmt.Errorf("reading the configuration: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, "", yamlerr.Error{File: name, Line: yamlerr.Line(err), Msg: yamlerr.Msg(err)}
	}
	vals := map[string]*yaml.Node{}
	keyLines := map[string]int{}
	if len(doc.Content) == 0 {
		return vals, name, nil // an empty file sets nothing
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, "", yamlerr.Error{File: name, Line: root.Line, Msg: "the configuration must be a mapping of settings (key: value)"}
	}
	known := map[string]bool{}
	var keys []string
	for _, s := range c.settings() {
		known[s.key] = true
		keys = append(keys, s.key)
	}
	var errs yamlerr.Errors
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch {
		case !known[k.Value]:
			errs = append(errs, yamlerr.Error{File: name, Line: k.Line, Msg: fmt.Sprintf("unknown key %q (the keys are: %s)", k.Value, strings.Join(keys, ", "))})
		case vals[k.Value] != nil:
			errs = append(errs, yamlerr.Error{File: name, Line: k.Line, Msg: fmt.Sprintf("key %q given twice (first on line %d)", k.Value, keyLines[k.Value])})
		default:
			vals[k.Value], keyLines[k.Value] = v, k.Line
		}
	}
	if len(errs) > 0 {
		return nil, "", errs
	}
	return vals, name, nil
}

// setFromString sets a setting from an environment variable.
func setFromString(ptr any, v string) error {
	switch p := ptr.(type) {
	case *string:
		*p = v
	case *bool:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%q is not true or false", v)
		}
		*p = b
	case *time.Duration:
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("%q is not a duration (30s, 5m, 1h)", v)
		}
		*p = d
	case *[]string:
		*p = nil
		for f := range strings.SplitSeq(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				*p = append(*p, f)
			}
		}
	}
	return nil
}

// setFromNode sets a setting from its value in the file; a value of the
// wrong type is an error.
func setFromNode(ptr any, n *yaml.Node) error {
	switch p := ptr.(type) {
	case *string:
		if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
			return errors.New("want a string")
		}
		*p = n.Value
	case *bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			return fmt.Errorf("want true or false, not %s", describe(n))
		}
		return n.Decode(p)
	case *time.Duration:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
			return fmt.Errorf("want a duration such as 30s, 5m or 1h, not %s", describe(n))
		}
		return setFromString(p, n.Value)
	case *[]string:
		switch {
		case n.Kind == yaml.ScalarNode && n.Tag == "!!str":
			*p = []string{n.Value}
		case n.Kind == yaml.SequenceNode:
			*p = nil
			for _, e := range n.Content {
				if e.Kind != yaml.ScalarNode || e.Tag != "!!str" {
					return fmt.Errorf("line %d: want a string, not %s", e.Line, describe(e))
				}
				*p = append(*p, e.Value)
			}
		default:
			return fmt.Errorf("want a list of strings, not %s", describe(n))
		}
	}
	return nil
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return fmt.Sprintf("%q", n.Value)
}

// check validates the values: each error names the setting and where its
// value came from.
func (c *serveConfig) check(src configSources) error {
	bad := func(key, format string, args ...any) error {
		return fmt.Errorf("%s (from %s): %s", key, src.from[key], fmt.Sprintf(format, args...))
	}
	if c.DBRead != "" {
		if !sqldb.IsPostgres(c.DBRead) {
			return bad("db-read", "want the postgres:// URL of a streaming replica")
		}
		if !sqldb.IsPostgres(c.DB) {
			return bad("db-read", "a read replica needs a PostgreSQL register, and db (from %s) is a SQLite file; "+
				"give db a postgres:// URL, or leave db-read out", src.from["db"])
		}
	}
	if c.DBReadMaxLag <= 0 {
		return bad("db-read-max-lag", "%s: want a positive duration", c.DBReadMaxLag)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return bad("tls-cert", "tls-cert and tls-key go together: give both or neither")
	}
	if _, err := c.proxies(); err != nil {
		return bad("trusted-proxy", "%v", err)
	}
	if !slices.Contains([]string{"json", "text"}, c.LogFormat) {
		return bad("log-format", "%q: want json or text", c.LogFormat)
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.LogLevel) {
		return bad("log-level", "%q: want debug, info, warn or error", c.LogLevel)
	}
	if c.ReadyMaxLag < 0 {
		return bad("ready-max-lag", "%s is negative", c.ReadyMaxLag)
	}
	if c.ShutdownTimeout <= 0 {
		return bad("shutdown-timeout", "%s: want a positive duration", c.ShutdownTimeout)
	}
	if c.ScreeningInterval < time.Second {
		return bad("screening-interval", "%s: want at least 1s", c.ScreeningInterval)
	}
	if c.Addr == "" {
		return bad("addr", "an address to listen on is needed")
	}
	if c.MetricsAddr != "" && c.MetricsAddr == c.Addr {
		return bad("metrics-addr", "the metrics need their own listener, not %s", c.Addr)
	}
	return nil
}

// proxies are the trusted proxies as prefixes; an address alone is its
// own /32 or /128.
func (c *serveConfig) proxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range c.TrustedProxies {
		if p, err := netip.ParsePrefix(v); err == nil {
			out = append(out, p.Masked())
			continue
		}
		ip, err := netip.ParseAddr(v)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address nor a CIDR (10.0.0.0/8)", v)
		}
		out = append(out, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
	}
	return out, nil
}

// print writes the effective configuration, one setting a line with where
// it came from, secrets masked.
func (c *serveConfig) print(w *tabwriter.Writer, src configSources) error {
	if src.file != "" {
		fmt.Fprintf(w, "# configuration file: %s\n", src.file)
	} else {
		fmt.Fprintf(w, "# no configuration file (%s does not exist)\n", defaultConfigFile)
	}
	fmt.Fprintln(w, "KEY\tVALUE\tFROM")
	for _, s := range c.settings() {
		v := valueString(s.ptr)
		if s.secret {
			v = maskSecret(v)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", s.key, v, src.from[s.key])
	}
	return w.Flush()
}

func valueString(ptr any) string {
	switch p := ptr.(type) {
	case *string:
		return strconv.Quote(*p)
	case *bool:
		return strconv.FormatBool(*p)
	case *time.Duration:
		return p.String()
	case *[]string:
		q := make([]string, len(*p))
		for i, v := range *p {
			q[i] = strconv.Quote(v)
		}
		return "[" + strings.Join(q, ", ") + "]"
	}
	return fmt.Sprint(ptr)
}

// maskSecret hides the password of a database URL, in its user part or
// its query (password=…); other values are shown as they are.
func maskSecret(quoted string) string {
	v, err := strconv.Unquote(quoted)
	if err != nil {
		return quoted
	}
	u, err := url.Parse(v)
	if err != nil || u.Scheme == "" {
		return quoted
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	for k := range q {
		if strings.EqualFold(k, "password") {
			q.Set(k, "xxxxx")
			u.RawQuery = q.Encode()
		}
	}
	return strconv.Quote(u.String())
}

func (a *app) configCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Show the configuration habeas serve would run with",
	}
	var c serveConfig
	var file string
	check := &cobra.Command{
		Use:   "check",
		Short: "Print the effective configuration of habeas serve, with where each setting came from",
		Long: `Read the configuration as habeas serve does (flags, then HABEAS_… environment
variables, then the YAML file given by --config or ` + defaultConfigFile + `, then
the defaults), check it, and print every setting with its source. Passwords in
database URLs are masked. A TLS certificate and key are loaded to check they
match. Exits non-zero, naming the file, line and key, on a bad setting.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			src, err := a.resolveConfig(cmd, &c, file)
			if err != nil {
				return err
			}
			if c.TLSCert != "" {
				if _, err := loadKeyPair(c.TLSCert, c.TLSKey); err != nil {
					return err
				}
			}
			return c.print(tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0), src)
		},
	}
	bindConfig(check.Flags(), &c, &file)
	cmd.AddCommand(check)
	return cmd
}
