package rules

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"sort"
)

//go:embed packs/*.yaml
var builtin embed.FS

// BuiltinID is the pack screening uses when none is given.
const BuiltinID = "kh-2020"

// Builtins lists the names of the built-in packs.
func Builtins() []string {
	ents, _ := fs.ReadDir(builtin, "packs")
	var out []string
	for _, e := range ents {
		n := e.Name()
		out = append(out, n[:len(n)-len(".yaml")])
	}
	sort.Strings(out)
	return out
}

// Builtin loads a built-in pack by name.
func Builtin(name string) (*Pack, error) {
	b, err := builtin.ReadFile("packs/" + name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("no built-in rule pack %q (there are: %v)", name, Builtins())
	}
	p, err := Parse("builtin:"+name+".yaml", b)
	if err != nil {
		return nil, fmt.Errorf("the built-in rule pack %s is broken: %w", name, err)
	}
	return p, nil
}

// Load reads a pack: a built-in one by name, or a file.
func Load(nameOrFile string) (*Pack, error) {
	for _, n := range Builtins() {
		if n == nameOrFile {
			return Builtin(n)
		}
	}
	b, err := os.ReadFile(nameOrFile)
	if err != nil {
		return nil, fmt.Errorf("reading rule pack: %w", err)
	}
	return Parse(nameOrFile, b)
}
