package tabular

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// Cells that a spreadsheet would run as formulas come back from an export
// exactly as they were, and are inert in the file; numbers stay numbers.
func TestFormulaCellsRoundTrip(t *testing.T) {
	names := []string{`=HYPERLINK("x")`, "-Sok", "+855", "@SUM(A1)", "'=already", "'plain", "Sok Dara", "\tTab"}
	for _, name := range []string{"out.csv", "out.xlsx"} {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			w, err := NewWriter(&b, name)
			if err != nil {
				t.Fatal(err)
			}
			w.Numeric(1)
			if err := w.Write([]string{"name", "difference"}); err != nil {
				t.Fatal(err)
			}
			for _, n := range names {
				if err := w.Write([]string{n, "-2910"}); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			raw := b.Bytes()
			if name == "out.csv" {
				text := string(raw)
				for _, bad := range []string{"\n\"=HYPERLINK", "\n-Sok", "\n+855", "\n@SUM"} {
					if strings.Contains(text, bad) {
						t.Errorf("the CSV has a formula cell %q:\n%s", bad, text)
					}
				}
				if !strings.Contains(text, "\n\"'=HYPERLINK(\"\"x\"\")\",-2910") || !strings.Contains(text, "\n'-Sok,-2910") {
					t.Errorf("the text cells do not start with ' or the number changed:\n%s", text)
				}
			} else {
				f, err := excelize.OpenReader(bytes.NewReader(raw))
				if err != nil {
					t.Fatal(err)
				}
				typ, _ := f.GetCellType("Sheet1", "A2")
				num, _ := f.GetCellType("Sheet1", "B2")
				v, _ := f.GetCellValue("Sheet1", "A2")
				formula, _ := f.GetCellFormula("Sheet1", "A2")
				if typ != excelize.CellTypeInlineString || num == excelize.CellTypeInlineString || v != `'=HYPERLINK("x")` || formula != "" {
					t.Errorf("A2 is %v %q (formula %q), B2 is %v: want a string cell with the mark, and a number", typ, v, formula, num)
				}
				f.Close()
			}
			r, err := Open(writeFile(t, name, raw), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			rows := readAll(t, r)
			if len(rows) != len(names) {
				t.Fatalf("%d rows, want %d", len(rows), len(names))
			}
			for i, n := range names {
				want := n // the mark keeps even a leading tab from being trimmed
				if rows[i].Cell(0) != want || rows[i].Cell(1) != "-2910" {
					t.Errorf("row %d read back as %q, want %q and -2910", i, rows[i].Cells, want)
				}
			}
		})
	}
}

func TestEscapeText(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1": "'=1+1", "-Sok": "'-Sok", "+1": "'+1", "@x": "'@x", "\tx": "'\tx", "\rx": "'\rx",
		"'=x": "''=x", "'x": "'x", "Sok": "Sok", "": "", "-2910": "'-2910",
	} {
		if got := EscapeText(in); got != want {
			t.Errorf("EscapeText(%q) = %q, want %q", in, got, want)
		}
		if back := UnescapeText(EscapeText(in)); back != in {
			t.Errorf("UnescapeText(EscapeText(%q)) = %q", in, back)
		}
	}
	if Cell("-2910", true) != "-2910" || Cell("-2910", false) != "'-2910" || Cell("-x", true) != "'-x" {
		t.Error("a number in a numeric column must stay as it is, and only there")
	}
}

func writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := t.TempDir() + "/" + name
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// A Latin-1 file is read as it is, for the mapping to refuse, naming the
// column (mapping.Bound.Shape), unless its encoding is given; a header that
// is not UTF-8 is refused here.
func TestEncoding(t *testing.T) {
	latin1 := "Istituto,Presenti\nVerona,588\nCitt\xe0 di Castello,40\n"
	r, err := NewCSV(strings.NewReader(latin1), "l.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows := readAll(t, r)
	if msg := NotUTF8(rows[1].Cell(0)); !strings.Contains(msg, "is not UTF-8 text (byte 0xE0 after \"Citt\")") || !strings.Contains(msg, "encoding:") {
		t.Errorf("NotUTF8 says %q", msg)
	}
	if _, err := NewCSV(strings.NewReader("Citt\xe0,x\n"), "h.csv", Options{}); err == nil || !strings.Contains(err.Error(), "h.csv: row 1: column 1 of the header is not UTF-8 text") {
		t.Errorf("a header not UTF-8: %v", err)
	}
	for _, enc := range []string{"iso-8859-1", "Windows-1252", "latin1"} {
		r, err := NewCSV(strings.NewReader(latin1), "l.csv", Options{Encoding: enc})
		if err != nil {
			t.Fatal(err)
		}
		rows := readAll(t, r)
		if len(rows) != 2 || rows[1].Cell(0) != "Città di Castello" {
			t.Errorf("%s: read %v", enc, rows)
		}
	}
	if _, err := NewCSV(strings.NewReader(latin1), "l.csv", Options{Encoding: "ebcdic"}); err == nil || !strings.Contains(err.Error(), "windows-1252") {
		t.Errorf("an unknown encoding: %v", err)
	}
}

func TestClip(t *testing.T) {
	long := strings.Repeat("é", 20000)
	if c := Clip(long); len(c) > 100 || !strings.Contains(c, "40000 bytes") {
		t.Errorf("Clip of 40 KB gives %d bytes: %s", len(c), c)
	}
	if Clip("abc") != `"abc"` {
		t.Error("a short value is quoted whole")
	}
	if _, err := ParseWhole(long, false); err == nil || len(err.Error()) > 200 {
		t.Errorf("ParseWhole's message is %d bytes", len(err.Error()))
	}
}
