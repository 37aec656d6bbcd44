package tabular

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// A workbook's sheets are read here by scanning their XML as bytes, not
// through excelize, which decodes every cell with encoding/xml: for a
// KoboToolbox export of 10,000 submissions (110,000 rows) that decoding
// was most of the import's CPU time. The scan reads what a worksheet's
// sheetData holds (rows, cells with a reference, a type and a value or an
// inline string) and gives the same cells as excelize's raw values; a
// workbook whose parts it does not recognise is read by excelize instead.

// scanBook is the parts of a workbook the scan needs.
type scanBook struct {
	sheets  []string          // names, in order
	parts   map[string]string // sheet name -> the zip part of its XML
	files   map[string]*zip.File
	strings []string // the shared strings
}

// openScanBook reads the workbook's sheet list and shared strings; nil
// when the archive is not laid out as expected.
func openScanBook(data []byte) *scanBook {
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil
	}
	b := &scanBook{parts: map[string]string{}, files: map[string]*zip.File{}}
	for _, f := range z.File {
		b.files[f.Name] = f
	}
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if b.unmarshal("xl/workbook.xml", &wb) != nil || b.unmarshal("xl/_rels/workbook.xml.rels", &rels) != nil || len(wb.Sheets) == 0 {
		return nil
	}
	targets := map[string]string{}
	for _, r := range rels.Rels {
		t := r.Target
		if strings.HasPrefix(t, "/") {
			t = strings.TrimPrefix(t, "/")
		} else {
			t = path.Join("xl", t)
		}
		targets[r.ID] = t
	}
	for _, s := range wb.Sheets {
		p, ok := targets[s.RID]
		if !ok || b.files[p] == nil {
			return nil
		}
		b.sheets = append(b.sheets, s.Name)
		b.parts[s.Name] = p
	}
	if b.files["xl/sharedStrings.xml"] != nil {
		ss, err := b.part("xl/sharedStrings.xml")
		if err != nil {
			return nil
		}
		if b.strings, err = sharedStrings(ss); err != nil {
			return nil
		}
	}
	return b
}

func (b *scanBook) part(name string) ([]byte, error) {
	f := b.files[name]
	if f == nil {
		return nil, fmt.Errorf("no part %s", name)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func (b *scanBook) unmarshal(name string, v any) error {
	data, err := b.part(name)
	if err != nil {
		return err
	}
	return xml.Unmarshal(data, v)
}

// sharedStrings reads the shared string table: each item's text, its runs
// joined, phonetic guides left out.
func sharedStrings(data []byte) ([]string, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	var out []string
	var cur strings.Builder
	inT, inPh := false, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "si":
				cur.Reset()
			case "rPh":
				inPh++
			case "t":
				inT = inPh == 0
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				out = append(out, cur.String())
			case "rPh":
				inPh--
			case "t":
				inT = false
			}
		case xml.CharData:
			if inT {
				cur.Write(t)
			}
		}
	}
}

// scanRow is one row of a sheet as stored: its number and its cells by
// column (0-based), up to the last one present.
type scanRow struct {
	num   int
	cells []string
}

// scanSheet reads a worksheet's rows. ok is false when the XML is not the
// plain SpreadsheetML the scan reads (a namespace prefix on the elements,
// say): the caller reads it with excelize instead.
func scanSheet(data []byte, shared []string) (rows []scanRow, ok bool, err error) {
	start := bytes.Index(data, []byte("<sheetData"))
	if start < 0 {
		return nil, false, nil
	}
	data = data[start:]
	end := bytes.Index(data, []byte("</sheetData>"))
	if end < 0 {
		if !bytes.HasPrefix(data, []byte("<sheetData/>")) {
			return nil, false, nil
		}
		return nil, true, nil
	}
	data = data[:end]
	var cur *scanRow
	lastRow, col := 0, 0
	for i := 0; i < len(data); {
		lt := bytes.IndexByte(data[i:], '<')
		if lt < 0 {
			break
		}
		i += lt
		gt := bytes.IndexByte(data[i:], '>')
		if gt < 0 {
			return nil, false, nil
		}
		tag := data[i+1 : i+gt]
		closed := bytes.HasSuffix(tag, []byte("/"))
		name := tag
		if sp := bytes.IndexAny(tag, " \t\r\n/"); sp >= 0 {
			name = tag[:sp]
		}
		i += gt + 1
		switch string(name) {
		case "row":
			n := lastRow + 1
			if r, ok := attr(tag, "r"); ok {
				if n, err = strconv.Atoi(r); err != nil {
					return nil, false, fmt.Errorf("row number %q: %w", r, err)
				}
			}
			lastRow, col = n, 0
			rows = append(rows, scanRow{num: n})
			cur = &rows[len(rows)-1]
		case "c":
			if cur == nil {
				return nil, false, nil
			}
			if ref, ok := attr(tag, "r"); ok {
				c, err := columnOf(ref)
				if err != nil {
					return nil, false, err
				}
				col = c
			}
			typ, _ := attr(tag, "t")
			val := ""
			if !closed {
				e := bytes.Index(data[i:], []byte("</c>"))
				if e < 0 {
					return nil, false, nil
				}
				body := data[i : i+e]
				i += e + len("</c>")
				if val, err = cellValue(body, typ, shared); err != nil {
					return nil, false, fmt.Errorf("row %d: %w", lastRow, err)
				}
			}
			for len(cur.cells) < col {
				cur.cells = append(cur.cells, "")
			}
			cur.cells = append(cur.cells, val)
			col++
		case "/row":
			cur = nil
		default:
			if bytes.IndexByte(name, ':') >= 0 {
				return nil, false, nil // prefixed elements: not read here
			}
		}
	}
	return rows, true, nil
}

// cellValue is a cell's raw value from the XML between <c> and </c>.
func cellValue(body []byte, typ string, shared []string) (string, error) {
	if typ == "inlineStr" {
		var b strings.Builder
		for rest := body; ; {
			s := bytes.Index(rest, []byte("<t"))
			if s < 0 {
				break
			}
			rest = rest[s+2:]
			if len(rest) == 0 || (rest[0] != '>' && rest[0] != ' ') {
				continue // <tag…> of another name
			}
			gt := bytes.IndexByte(rest, '>')
			if gt < 0 {
				break
			}
			if gt > 0 && rest[gt-1] == '/' {
				rest = rest[gt+1:]
				continue
			}
			rest = rest[gt+1:]
			e := bytes.Index(rest, []byte("</t>"))
			if e < 0 {
				break
			}
			b.WriteString(unescapeXML(rest[:e]))
			rest = rest[e+4:]
		}
		return b.String(), nil
	}
	s := bytes.Index(body, []byte("<v>"))
	if s < 0 {
		return "", nil
	}
	e := bytes.Index(body[s:], []byte("</v>"))
	if e < 0 {
		return "", fmt.Errorf("a cell's value is not closed")
	}
	v := unescapeXML(body[s+3 : s+e])
	if typ == "s" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 || n >= len(shared) {
			return "", fmt.Errorf("shared string %q does not exist", v)
		}
		return shared[n], nil
	}
	return v, nil
}

// attr is the value of an attribute in a start tag's text.
func attr(tag []byte, name string) (string, bool) {
	for i := 0; ; {
		j := bytes.Index(tag[i:], []byte(name+`="`))
		if j < 0 {
			return "", false
		}
		j += i
		if j > 0 && tag[j-1] != ' ' && tag[j-1] != '\t' && tag[j-1] != '\n' && tag[j-1] != '\r' {
			i = j + len(name)
			continue
		}
		v := tag[j+len(name)+2:]
		e := bytes.IndexByte(v, '"')
		if e < 0 {
			return "", false
		}
		return unescapeXML(v[:e]), true
	}
}

// columnOf is the 0-based column of a cell reference ("AB12" is 27).
func columnOf(ref string) (int, error) {
	c := 0
	for i := 0; i < len(ref); i++ {
		ch := ref[i]
		switch {
		case ch >= 'A' && ch <= 'Z':
			c = c*26 + int(ch-'A'+1)
		case ch >= 'a' && ch <= 'z':
			c = c*26 + int(ch-'a'+1)
		default:
			if i == 0 || c > 16384 {
				return 0, fmt.Errorf("cell reference %q", ref)
			}
			return c - 1, nil
		}
	}
	return 0, fmt.Errorf("cell reference %q", ref)
}

var xmlEntities = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&apos;", "'")

// unescapeXML decodes the entities of XML text.
func unescapeXML(b []byte) string {
	if bytes.IndexByte(b, '&') < 0 {
		return string(b)
	}
	s := string(b)
	if !strings.Contains(s, "&#") {
		return xmlEntities.Replace(s)
	}
	var out strings.Builder
	for len(s) > 0 {
		a := strings.IndexByte(s, '&')
		if a < 0 {
			out.WriteString(s)
			break
		}
		out.WriteString(s[:a])
		s = s[a:]
		semi := strings.IndexByte(s, ';')
		if semi < 0 {
			out.WriteString(s)
			break
		}
		ent := s[1:semi]
		switch {
		case strings.HasPrefix(ent, "#x"), strings.HasPrefix(ent, "#X"):
			if n, err := strconv.ParseUint(ent[2:], 16, 32); err == nil {
				out.WriteRune(rune(n))
			}
		case strings.HasPrefix(ent, "#"):
			if n, err := strconv.ParseUint(ent[1:], 10, 32); err == nil {
				out.WriteRune(rune(n))
			}
		default:
			out.WriteString(xmlEntities.Replace(s[:semi+1]))
		}
		s = s[semi+1:]
	}
	return out.String()
}

// scanReader gives a scanned sheet's rows as a Reader.
type scanReader struct {
	name   string
	header []string
	rows   []scanRow
	next   int
}

func newScanReader(rows []scanRow, name string, opt Options) (Reader, error) {
	headerRow := max(opt.HeaderRow, 1)
	x := &scanReader{name: name}
	for x.next < len(rows) && rows[x.next].num <= headerRow {
		if rows[x.next].num == headerRow {
			x.header = cleanHeader(rows[x.next].cells)
		}
		x.next++
	}
	if x.next == len(rows) && x.header == nil && (len(rows) == 0 || rows[len(rows)-1].num < headerRow) {
		return nil, &FormatError{File: name, Msg: fmt.Sprintf("has no header row (expected the column names in row %d)", headerRow)}
	}
	if len(x.header) == 0 {
		return nil, &FormatError{File: name, Row: headerRow, Msg: "the header row is empty"}
	}
	x.rows = rows
	return x, nil
}

func (x *scanReader) Header() []string { return x.header }

func (x *scanReader) Next() (Row, error) {
	for x.next < len(x.rows) {
		r := x.rows[x.next]
		x.next++
		if blank(r.cells) {
			continue
		}
		cells := make([]string, len(r.cells), max(len(r.cells), len(x.header)))
		for i, v := range r.cells {
			cells[i] = UnescapeText(strings.TrimSpace(v))
		}
		for len(cells) < len(x.header) {
			cells = append(cells, "")
		}
		return Row{Num: r.num, Cells: cells}, nil
	}
	return Row{}, io.EOF
}

func (x *scanReader) Progress() float64 {
	if len(x.rows) == 0 {
		return 1
	}
	return float64(x.next) / float64(len(x.rows))
}

func (x *scanReader) Close() error { return nil }
