package intake

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/mapping"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/tabular"
)

// cellRec is what a row of a cells sheet says about one cell. A blank area
// or category is unknown: it registers nothing for a new cell and leaves an
// existing cell's figure as it is.
type cellRec struct {
	facility  string
	label     string
	date      domain.Date
	area      float64
	areaKnown bool
	capacity  int
	category  string
	dup       bool
}

// interpretCell reads a row of a cells sheet; problems go to the row.
func (rd *reading) interpretCell(rw *row, tr tabular.Row) {
	b := rd.b
	if !rd.shape(rw, b, tr) {
		return
	}
	c := &cellRec{}
	c.facility = rd.required(rw, tr, "cell.facility", "the facility identifier is missing")
	c.label = rd.required(rw, tr, "cell.label", "the cell label is missing")
	if v, col, err := b.Get("cell.area_m2", tr); err == nil {
		a, perr := parseArea(v, b.M.DecimalComma)
		switch {
		case perr != nil:
			rd.rowErr(rw, col, "%v: expected the floor area in square metres (cell.area_m2)", perr)
		case a < 0:
			rd.rowErr(rw, col, "a floor area cannot be negative (%s)", v)
		default:
			c.area, c.areaKnown = a, true
		}
	} else if err != mapping.ErrNoValue {
		rd.cellErr(rw, "cell.area_m2", err)
	}
	n, ok, err := b.Whole("cell.capacity", tr)
	switch {
	case err != nil:
		rd.cellErr(rw, "cell.capacity", err)
	case !ok:
		rd.rowErr(rw, columnOf(b, "cell.capacity"), "the designated capacity is missing")
	case n < 0:
		rd.rowErr(rw, columnOf(b, "cell.capacity"), "a capacity cannot be negative (%d)", n)
	default:
		c.capacity = n
	}
	c.category = rd.text(rw, tr, "cell.category")
	// A cell has no date of its own; the event's date is when the sheet
	// says the cell was so, or the day of the import.
	c.date = domain.DateOf(rd.s.now().UTC())
	if b.Has("cell.date") {
		d, ok, err := b.Date("cell.date", tr)
		switch {
		case err != nil:
			rd.cellErr(rw, "cell.date", err)
		case ok:
			c.date = d
		}
	}
	rw.cell = c
	if len(rw.bad) > 0 {
		rd.reject(rw, rw.bad...)
	}
}

// required reads a text field that must have a value.
func (rd *reading) required(rw *row, tr tabular.Row, field, missing string) string {
	v, _, err := rd.b.Get(field, tr)
	switch {
	case err == mapping.ErrNoValue || (err == nil && strings.TrimSpace(v) == ""):
		rd.rowErr(rw, columnOf(rd.b, field), "%s", missing)
	case err != nil:
		rd.cellErr(rw, field, err)
	}
	return strings.TrimSpace(v)
}

// parseArea reads a floor area as spreadsheets write it: "12.5", or "12,5"
// with a decimal comma. Thousands separators are refused: no cell comes near
// a thousand square metres, so "1,500" is more likely a mistyped decimal.
func parseArea(s string, decimalComma bool) (float64, error) {
	v := strings.TrimSpace(s)
	if decimalComma {
		v = strings.ReplaceAll(v, ",", ".")
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || strings.ContainsAny(v, "xXpP_") {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return f, nil
}

// dedupeCells finds rows that repeat an earlier row of the same cell. The
// same figures twice are harmless; different figures for one cell are an
// error naming both rows.
func (rd *reading) dedupeCells() {
	type first struct {
		rec *cellRec
		row int
	}
	seen := map[string]first{}
	for _, rw := range rd.rows {
		if rw.bad != nil || rw.cell == nil {
			continue
		}
		c := rw.cell
		key := c.facility + "\x00" + c.label
		f, ok := seen[key]
		if !ok {
			seen[key] = first{c, rw.num}
			continue
		}
		if col, msg := cellConflict(f.rec, c, rd.b); msg != "" {
			rd.reject(rw, &RowError{File: rd.opt.File, Row: rw.num, Column: col,
				Msg: fmt.Sprintf("cell %s of %s: %s than row %d says", c.label, c.facility, msg, f.row)})
			continue
		}
		// What the later row knows and the first does not is kept.
		if !f.rec.areaKnown && c.areaKnown {
			f.rec.area, f.rec.areaKnown = c.area, true
		}
		if f.rec.category == "" {
			f.rec.category = c.category
		}
		c.dup, rw.dup = true, true
	}
}

// cellConflict says how two rows of one cell disagree, and in which column.
func cellConflict(a, b *cellRec, bd *mapping.Bound) (string, string) {
	switch {
	case a.capacity != b.capacity:
		return columnOf(bd, "cell.capacity"), fmt.Sprintf("the capacity is %d here, other", b.capacity)
	case a.areaKnown && b.areaKnown && a.area != b.area:
		return columnOf(bd, "cell.area_m2"), fmt.Sprintf("the area is %s m² here, other", formatArea(b.area))
	case a.category != "" && b.category != "" && a.category != b.category:
		return columnOf(bd, "cell.category"), fmt.Sprintf("the category is %q here, other", b.category)
	}
	return "", ""
}

// planCells compares the rows with the register's cells: a new cell is a
// cell event, a cell whose figures changed is a new cell event for the same
// label (the ledger folds it over the old one; the old event stays), counted
// as corrected.
func (rd *reading) planCells(ctx context.Context, st *registerState, rows []*row) ([]planned, map[*row][]*RowError, error) {
	if st.cells == nil {
		cells, err := rd.s.st.Cells(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("reading the cells: %w", err)
		}
		st.cells = make(map[string]store.Cell, len(cells))
		for _, c := range cells {
			st.cells[c.Facility+"\x00"+c.Label] = c
		}
	}
	bad := map[*row][]*RowError{}
	var out []planned
	for _, rw := range rows {
		rw.status = unchanged
		c := rw.cell
		if c == nil || c.dup {
			continue
		}
		if _, ok := st.facs[c.facility]; !ok {
			bad[rw] = append(bad[rw], &RowError{File: rd.opt.File, Row: rw.num, Column: columnOf(rd.b, "cell.facility"),
				Msg: fmt.Sprintf("facility %s is not in the register: import facilities first (habeas import facilities)", c.facility)})
			continue
		}
		data := &domain.CellData{Label: c.label, AreaM2: c.area, Capacity: c.capacity, Category: c.category}
		old, exists := st.cells[c.facility+"\x00"+c.label]
		if exists {
			if !c.areaKnown {
				data.AreaM2 = old.AreaM2
			}
			if c.category == "" {
				data.Category = old.Category
			}
			if data.AreaM2 == old.AreaM2 && data.Capacity == old.Capacity && data.Category == old.Category {
				continue
			}
		}
		out = append(out, planned{ev: &domain.Event{Kind: domain.KCell, Date: c.date, Facility: c.facility, Data: data}, row: rw})
		if exists {
			rw.status = corrected
		} else {
			rw.status = added
		}
	}
	return out, bad, nil
}

// cellColumns are the columns of habeas's cells sheet.
var cellColumns = []string{"facility", "label", "area_m2", "capacity", "category"}

// ExportCells writes every cell of every facility in the layout `habeas
// import cells` reads without a mapping. An unknown area is left blank.
func ExportCells(ctx context.Context, st store.Store, w tabular.Writer) (int, error) {
	cells, err := st.Cells(ctx)
	if err != nil {
		return 0, fmt.Errorf("exporting cells: %w", err)
	}
	sort.Slice(cells, func(i, j int) bool {
		if cells[i].Facility != cells[j].Facility {
			return cells[i].Facility < cells[j].Facility
		}
		return cells[i].Label < cells[j].Label
	})
	w.Numeric(2, 3) // area_m2, capacity
	if err := w.Write(cellColumns); err != nil {
		return 0, fmt.Errorf("exporting cells: %w", err)
	}
	for i, c := range cells {
		area := ""
		if c.AreaM2 != 0 {
			area = formatArea(c.AreaM2)
		}
		if err := w.Write([]string{c.Facility, c.Label, area, strconv.Itoa(c.Capacity), c.Category}); err != nil {
			return i, fmt.Errorf("exporting cells: %w", err)
		}
	}
	return len(cells), w.Close()
}

func formatArea(a float64) string { return strconv.FormatFloat(a, 'f', -1, 64) }
