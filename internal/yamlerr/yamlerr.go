// Package yamlerr is the error of a YAML file that people write by hand (a
// mapping file, a rule pack): each problem names the file and its line, so
// that the writer can go straight to it, and a loader reports every problem
// of the file at once rather than the first.
package yamlerr

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Error is one problem in a file. Line is 0 when the problem has no line
// (the file is empty, or a section it needs is missing).
type Error struct {
	File string
	Line int
	Msg  string
}

func (e Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

// Errors are all the problems found in a file, one a line.
type Errors []Error

func (es Errors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

var lineRE = regexp.MustCompile(`line ([0-9]+)`)

// Line digs the line out of an error of the yaml.v3 decoder, which carries it
// only in its text; for a type error, the line of its first problem. It is 0
// when the error names no line.
func Line(err error) int {
	var te *yaml.TypeError
	msg := err.Error()
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

var linePrefixRE = regexp.MustCompile(`line [0-9]+: `)

// Msg is what a yaml.v3 error says without the "yaml: " and "line N: "
// prefixes, for an Error that gives the line in its own place.
func Msg(err error) string {
	return linePrefixRE.ReplaceAllString(strings.TrimPrefix(err.Error(), "yaml: "), "")
}
