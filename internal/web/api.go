package web

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/registry"
	"github.com/habeas-kh/habeas/internal/store"
)

//go:embed openapi.json
var openapiDoc []byte

// OpenAPI is the API's OpenAPI 3 document.
func OpenAPI() []byte { return openapiDoc }

func (s *Server) apiRoutes() []Route {
	return []Route{
		{"GET", "/api/v1/openapi.json", true, s.apiOpenAPI},
		{"GET", "/api/v1/report", true, s.apiReport},
		{"GET", "/api/v1/checkpoint", true, s.apiCheckpoint},
		{"GET", "/api/v1/checkpoint/proof", true, s.apiCheckpointProof},
		{"GET", "/api/v1/stats", true, s.apiStats},
		{"GET", "/api/v1/me", true, s.apiMe},
		{"GET", "/api/v1/persons", true, s.apiPersons},
		{"GET", "/api/v1/persons/{id}", true, s.apiPerson},
		{"POST", "/api/v1/events", true, s.apiRecord},
		{"POST", "/api/v1/persons/{id}/follow-up", true, s.apiFollowUp},
		{"GET", "/api/v1/queue", true, s.apiQueue},
		{"GET", "/api/v1/users", true, s.apiUsers},
		{"POST", "/api/v1/users", true, s.apiAddUser},
		{"GET", "/api/v1/users/{name}", true, s.apiUser},
		{"PUT", "/api/v1/users/{name}/role", true, s.apiSetRole},
		{"POST", "/api/v1/users/{name}/disable", true, s.apiDisable},
		{"POST", "/api/v1/users/{name}/enable", true, s.apiEnable},
		{"GET", "/api/v1/users/{name}/audit", true, s.apiAudit},
		{"GET", "/api/v1/tokens", true, s.apiTokens},
		{"POST", "/api/v1/tokens", true, s.apiCreateToken},
		{"DELETE", "/api/v1/tokens/{id}", true, s.apiRevokeToken},
	}
}

// apiErr is the body of every API error: a stable code and a message.
type apiErr struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Field is the path of the input at fault, for code "invalid": a query
	// parameter, a member of the body ("events[1].data.order.expires").
	Field string `json:"field,omitempty"`
}

func (s *Server) apiError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, apiErr{Code: code, Message: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(v); err != nil {
		http.Error(w, `{"code":"internal","message":"encoding the response failed"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

const maxJSON = 1 << 20

// readJSON decodes a bounded body strictly: unknown fields, wrong types and
// trailing data are errors naming the field.
func readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	_, err := readJSONBody(w, r, v)
	return err
}

// readJSONBody is readJSON that also returns the body read.
func readJSONBody(w http.ResponseWriter, r *http.Request, v any) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return nil, domain.Invalid("Content-Type", "must be application/json")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxJSON))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, fmt.Errorf("%w (at most %d bytes)", errTooLarge, maxJSON)
		}
		return nil, domain.Invalid("body", "could not be read")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te) && te.Field == "":
			// The body itself is of the wrong type: say so on "body"
			// rather than on no field, and without Go's type names.
			return nil, domain.Invalid("body", "must be a JSON object, got %s", te.Value)
		case errors.As(err, &te):
			return nil, domain.Invalid(te.Field, "expected %s, got %s", te.Type, te.Value)
		case errors.As(err, &se):
			return nil, domain.Invalid("body", "malformed JSON at byte %d", se.Offset)
		case errors.Is(err, io.EOF):
			return nil, domain.Invalid("body", "missing")
		}
		msg := err.Error()
		if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
			if f = strings.Trim(f, `"`); f == "" {
				// A member named "" has no field to name but the body.
				return nil, domain.Invalid("body", `unknown field ""`)
			}
			return nil, domain.Invalid(f, "unknown field")
		}
		return nil, domain.Invalid("body", "%s", msg)
	}
	if dec.More() {
		return nil, domain.Invalid("body", "trailing data after the JSON value")
	}
	return body, nil
}

// digest is the SHA-256 of a request, hex-encoded: what an idempotency key
// remembers of it.
func digest(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func (s *Server) apiOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openapiDoc)
}

// apiReport is the public report of a date (default: the latest), as
// published: the same report the dashboard shows, cached per ledger head,
// with small counts protected. Its bytes are those of the report's
// data/report.json download.
func (s *Server) apiReport(w http.ResponseWriter, r *http.Request) {
	asOf, err := s.asOfParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	files, _, ok := s.reportFiles(w, r, asOf)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(files["data/report.json"])
}

// apiStats is the register's figures as stats.Compute counts them, small
// counts included: staff only (registry.Service.Stats says who). The public
// has apiReport.
func (s *Server) apiStats(w http.ResponseWriter, r *http.Request) {
	asOf, err := s.asOfParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	st, err := s.reg.Stats(r.Context(), principal(r), asOf)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

type meJSON struct {
	User       string   `json:"user"`
	Role       string   `json:"role"`
	Facilities []string `json:"facilities"`
	Health     bool     `json:"health"`
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	if !p.Authenticated() {
		s.fail(w, r, domain.ErrUnauthenticated)
		return
	}
	writeJSON(w, http.StatusOK, meJSON{User: p.User, Role: string(p.Role), Facilities: nonNilS(p.Facilities), Health: p.Health})
}

func nonNilS(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (s *Server) apiPersons(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	off, err := intParam(q, "offset", 0, 0, 1_000_000)
	if err == nil {
		var lim int
		if lim, err = intParam(q, "limit", 50, 1, 200); err == nil {
			var rows []registry.Row
			rows, err = s.reg.Search(r.Context(), principal(r), registry.Query{Text: q.Get("q"), Facility: q.Get("facility"),
				InCustody: q.Get("in_custody") == "true", Limit: lim, Offset: off})
			if err == nil {
				writeJSON(w, http.StatusOK, map[string]any{"persons": rows})
				return
			}
		}
	}
	s.fail(w, r, err)
}

func (s *Server) apiPerson(w http.ResponseWriter, r *http.Request) {
	v, err := s.reg.Person(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

type eventsIn struct {
	Events []json.RawMessage `json:"events"`
}

// apiRecord appends events in one transaction. Each event is read with the
// interchange format's strict decoder, so errors name the field.
func (s *Server) apiRecord(w http.ResponseWriter, r *http.Request) {
	var in eventsIn
	body, err := readJSONBody(w, r, &in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(in.Events) == 0 || len(in.Events) > 10 {
		s.fail(w, r, domain.Invalid("events", "give from 1 to 10 events"))
		return
	}
	evs := make([]*domain.Event, len(in.Events))
	for i, raw := range in.Events {
		ev, err := domain.DecodeEvent(raw)
		if err != nil {
			s.fail(w, r, domain.InField(fmt.Sprintf("events[%d]", i), err))
			return
		}
		evs[i] = ev
	}
	// A retry under the same Idempotency-Key is answered as the first
	// request was, and writes nothing: the same request is the same body,
	// byte for byte.
	key := r.Header.Get("Idempotency-Key")
	seqs, err := s.reg.RecordOnce(r.Context(), principal(r), key, digest(body), evs...)
	s.invalidate()
	if err != nil {
		if f, msg, ok := domain.FieldOf(err); ok && f == "idempotency_key" {
			err = domain.Invalid("Idempotency-Key", "%s", msg) // the header's name
		}
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"seqs": seqs})
}

// followUpIn is a step of a person's follow-up, as the API takes it: the
// fields of domain.FollowUpData and the step's date.
type followUpIn struct {
	Date     domain.Date             `json:"date"`
	Action   domain.FollowUpAction   `json:"action"`
	Rule     string                  `json:"rule"`
	Assignee string                  `json:"assignee"`
	Reason   domain.NotPursuedReason `json:"reason"`
	Until    domain.Date             `json:"until"`
	Note     string                  `json:"note"`
}

// apiFollowUp records a step of a person's follow-up: a follow_up event
// (POST /api/v1/events takes it too), with the same checks.
func (s *Server) apiFollowUp(w http.ResponseWriter, r *http.Request) {
	var in followUpIn
	body, err := readJSONBody(w, r, &in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ev := &domain.Event{Kind: domain.KFollowUp, Date: in.Date, Person: r.PathValue("id"), Data: &domain.FollowUpData{
		Action: in.Action, Rule: in.Rule, Assignee: in.Assignee, Reason: in.Reason, Until: in.Until, Note: in.Note}}
	key := r.Header.Get("Idempotency-Key")
	seqs, err := s.reg.RecordOnce(r.Context(), principal(r), key, digest(append([]byte(ev.Person+"\n"), body...)), ev)
	s.invalidate()
	if err != nil {
		// The fields are the body's: "date", "until", not events[0].data.until.
		if f, msg, ok := domain.FieldOf(err); ok {
			switch f = strings.TrimPrefix(strings.TrimPrefix(f, "events[0]."), "data."); f {
			case "idempotency_key":
				f = "Idempotency-Key"
			case "person":
				if domain.ErrorCode(err) == domain.ErrInvalid && strings.Contains(msg, "no person") {
					s.fail(w, r, fmt.Errorf("person %q: %w", ev.Person, domain.ErrNotFound))
					return
				}
			}
			err = domain.Invalid(f, "%s", msg)
		}
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"seqs": seqs})
}

func (s *Server) apiQueue(w http.ResponseWriter, r *http.Request) {
	qq, err := queueQuery(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.reg.Queue(r.Context(), principal(r), qq)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

type userJSON struct {
	Name       string   `json:"name"`
	Display    string   `json:"display"`
	Role       string   `json:"role"`
	Facilities []string `json:"facilities"`
	Health     bool     `json:"health"`
	Disabled   bool     `json:"disabled"`
	Created    string   `json:"created"`
}

func userOut(u *store.User) userJSON {
	return userJSON{Name: u.Name, Display: u.Display, Role: u.Role, Facilities: nonNilS(u.Facilities), Health: u.Health,
		Disabled: u.Disabled, Created: u.Created.Format("2006-01-02T15:04:05Z")}
}

func (s *Server) apiUsers(w http.ResponseWriter, r *http.Request) {
	us, err := s.auth.Users(r.Context(), principal(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []userJSON{}
	for i := range us {
		out = append(out, userOut(&us[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": out})
}

type newUserIn struct {
	Name       string   `json:"name"`
	Display    string   `json:"display"`
	Password   string   `json:"password"`
	Role       string   `json:"role"`
	Facilities []string `json:"facilities"`
	Health     bool     `json:"health"`
}

func (s *Server) apiAddUser(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	// Check the role before reading the body: the public learns nothing.
	if err := p.Require(auth.ManageUsers, ""); err != nil {
		s.fail(w, r, err)
		return
	}
	var in newUserIn
	if err := readJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	err := s.auth.AddUser(r.Context(), p, auth.NewUser{Name: in.Name, Display: in.Display, Password: in.Password,
		Role: auth.Role(in.Role), Facilities: in.Facilities, Health: in.Health})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.auth.User(r.Context(), p, in.Name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, userOut(u))
}

func (s *Server) apiUser(w http.ResponseWriter, r *http.Request) {
	u, err := s.auth.User(r.Context(), principal(r), r.PathValue("name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, userOut(u))
}

type roleIn struct {
	Role       string   `json:"role"`
	Facilities []string `json:"facilities"`
	Health     bool     `json:"health"`
}

func (s *Server) apiSetRole(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	if err := p.Require(auth.ManageUsers, ""); err != nil {
		s.fail(w, r, err)
		return
	}
	var in roleIn
	if err := readJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	name := r.PathValue("name")
	if err := s.auth.SetRole(r.Context(), p, name, auth.Role(in.Role), in.Facilities, in.Health); err != nil {
		s.fail(w, r, err)
		return
	}
	s.apiUser(w, r)
}

func (s *Server) apiSetDisabled(w http.ResponseWriter, r *http.Request, disabled bool) {
	if err := s.auth.SetDisabled(r.Context(), principal(r), r.PathValue("name"), disabled); err != nil {
		s.fail(w, r, err)
		return
	}
	s.apiUser(w, r)
}

func (s *Server) apiDisable(w http.ResponseWriter, r *http.Request) { s.apiSetDisabled(w, r, true) }
func (s *Server) apiEnable(w http.ResponseWriter, r *http.Request)  { s.apiSetDisabled(w, r, false) }

type auditJSON struct {
	Seq     int64           `json:"seq"`
	At      string          `json:"at"`
	Actor   string          `json:"actor"`
	Via     string          `json:"via"`
	Action  string          `json:"action"`
	Subject string          `json:"subject"`
	Detail  json.RawMessage `json:"detail"`
	Hash    string          `json:"hash"`
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) {
	es, err := s.auth.Audit(r.Context(), principal(r), r.PathValue("name"), 500)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []auditJSON{}
	for _, e := range es {
		out = append(out, auditJSON{Seq: e.Seq, At: e.At.Format("2006-01-02T15:04:05Z"), Actor: e.Actor, Via: e.Via, Action: e.Action,
			Subject: e.Subject, Detail: json.RawMessage(e.Detail), Hash: e.Hash})
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": out})
}

type tokenJSON struct {
	ID      string `json:"id"`
	User    string `json:"user"`
	Label   string `json:"label"`
	Created string `json:"created"`
	Revoked bool   `json:"revoked"`
	Secret  string `json:"secret,omitempty"`
}

func tokenOut(t store.Token) tokenJSON {
	return tokenJSON{ID: t.ID, User: t.User, Label: t.Label, Created: t.Created.Format("2006-01-02T15:04:05Z"), Revoked: t.Revoked}
}

func (s *Server) apiTokens(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	user := r.URL.Query().Get("user")
	if user == "" && p != nil {
		user = p.User
	}
	ts, err := s.auth.Tokens(r.Context(), p, user)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []tokenJSON{}
	for _, t := range ts {
		out = append(out, tokenOut(t))
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": out})
}

type tokenIn struct {
	User  string `json:"user"`
	Label string `json:"label"`
}

func (s *Server) apiCreateToken(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	if !p.Authenticated() {
		s.fail(w, r, domain.ErrUnauthenticated)
		return
	}
	var in tokenIn
	if err := readJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if in.User == "" {
		in.User = p.User
	}
	secret, t, err := s.auth.CreateToken(r.Context(), p, in.User, in.Label)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := tokenOut(t)
	out.Secret = secret
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) apiRevokeToken(w http.ResponseWriter, r *http.Request) {
	if err := s.auth.RevokeToken(r.Context(), principal(r), r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// apiCheckpoint is the newest stored checkpoint of the ledger's tree, as
// signed (docs/checkpoints.md): public, it holds hashes only.
func (s *Server) apiCheckpoint(w http.ResponseWriter, r *http.Request) {
	var cs []store.Checkpoint
	var err error
	if s.checkpoints != nil {
		cs, err = s.checkpoints.Checkpoints(r.Context(), 1)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(cs) == 0 {
		s.fail(w, r, domain.NotFound("no checkpoint has been published"))
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	io.WriteString(w, cs[0].Signed)
}

// apiCheckpointProof is the consistency proof between two tree sizes:
// hashes only, for witnesses who keep checkpoints but not the ledger.
func (s *Server) apiCheckpointProof(w http.ResponseWriter, r *http.Request) {
	var sizes [2]int64
	for i, name := range []string{"from", "to"} {
		v := r.URL.Query().Get(name)
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			s.fail(w, r, domain.Invalid(name, "%q is not a tree size", v))
			return
		}
		sizes[i] = n
	}
	if s.checkpoints == nil {
		s.fail(w, r, domain.NotFound("no checkpoint has been published"))
		return
	}
	p, err := s.checkpoints.ConsistencyProof(r.Context(), sizes[0], sizes[1])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}
