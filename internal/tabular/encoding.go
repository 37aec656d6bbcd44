package tabular

import (
	"fmt"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
)

// Encodings are the names a mapping's encoding: accepts for a CSV file that
// is not UTF-8 (compared without regard to case), and what they decode.
// windows-1252 is what Excel on a Western-European Windows saves as "CSV";
// it agrees with Latin-1 (iso-8859-1) on every letter and also has the € and
// the curly quotes where Latin-1 has control codes.
var Encodings = map[string]encoding.Encoding{
	"utf-8":        nil,
	"utf8":         nil,
	"windows-1252": charmap.Windows1252,
	"cp1252":       charmap.Windows1252,
	"iso-8859-1":   charmap.ISO8859_1,
	"latin-1":      charmap.ISO8859_1,
	"latin1":       charmap.ISO8859_1,
	"iso-8859-15":  charmap.ISO8859_15,
	"latin-9":      charmap.ISO8859_15,
	"windows-1250": charmap.Windows1250,
	"iso-8859-2":   charmap.ISO8859_2,
	"windows-1251": charmap.Windows1251,
	"mac-roman":    charmap.Macintosh,
}

// EncodingNames lists the accepted names, for messages.
const EncodingNames = "utf-8, windows-1252 (cp1252), iso-8859-1 (latin-1, latin1), iso-8859-15 (latin-9), windows-1250, iso-8859-2, windows-1251, mac-roman"

// LookupEncoding finds an encoding by name; nil means UTF-8.
func LookupEncoding(name string) (encoding.Encoding, error) {
	enc, ok := Encodings[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return nil, fmt.Errorf("unknown encoding %q (habeas reads %s)", name, EncodingNames)
	}
	return enc, nil
}
