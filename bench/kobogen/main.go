// Command kobogen writes a KoboToolbox XLSX export of habeas's visit form
// (examples/xlsform/visit.xlsx) with synthetic submissions, for
// bench/kobo.sh: N submissions, each with 5 cells, 3 interviews and 2
// recommendations, to the facilities given, on days from 2019 on.
//
// Usage: go run ./bench/kobogen -n 10000 -out visits.xlsx CC1 CC2 …
package main

import (
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"time"

	"github.com/xuri/excelize/v2"
)

func main() {
	n := flag.Int("n", 10000, "submissions")
	out := flag.String("out", "visits.xlsx", "the XLSX file to write")
	seed := flag.Uint64("seed", 7, "random seed")
	flag.Parse()
	facs := flag.Args()
	if len(facs) == 0 {
		log.Fatal("give the facility ids to visit")
	}
	if err := write(*out, *n, *seed, facs); err != nil {
		log.Fatal(err)
	}
}

type sheet struct {
	name string
	sw   *excelize.StreamWriter
	row  int
}

func (s *sheet) add(vals ...any) error {
	s.row++
	cell, err := excelize.CoordinatesToCellName(1, s.row)
	if err != nil {
		return err
	}
	return s.sw.SetRow(cell, vals)
}

func write(path string, n int, seed uint64, facs []string) error {
	const mainName = "habeas monitoring visit"
	r := rand.New(rand.NewPCG(seed, 1))
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", mainName); err != nil {
		return err
	}
	heads := map[string][]any{
		mainName: {"start", "end", "facility", "visit_date", "team", "observed/obs_total", "observed/obs_men", "observed/obs_women",
			"observed/obs_children", "observed/obs_pretrial", "observed/obs_foreigners", "n_cells", "n_interviews", "n_allegations",
			"n_recommendations", "visit_note", "meta/instanceID", "_id", "_uuid", "_submission_time", "_validation_status", "_notes",
			"_status", "_submitted_by", "__version__", "_tags", "_index"},
		"cells": {"cells/cell_label", "cells/cell_use", "cells/cell_area", "cells/cell_people", "cells/cell_water_points", "cells/cell_litres",
			"cells/cell_toilets", "cells/cell_light", "cells/cell_ventilation", "cells/cell_sleeping", "cells/cell_note",
			"_index", "_parent_table_name", "_parent_index", "_submission__id", "_submission__uuid"},
		"interviews": {"interviews/iv_consent", "interviews/iv_anonymous", "interviews/iv_person", "interviews/iv_pseudonym", "interviews/iv_summary",
			"_index", "_parent_table_name", "_parent_index", "_submission__id", "_submission__uuid"},
		"allegations": {"allegations/al_kind", "allegations/al_date", "allegations/al_place", "allegations/al_interview", "allegations/al_account",
			"_index", "_parent_table_name", "_parent_index", "_submission__id", "_submission__uuid"},
		"recommendations": {"recommendations/rec_follows", "recommendations/rec_id", "recommendations/rec_text", "recommendations/rec_addressee",
			"recommendations/rec_status", "_index", "_parent_table_name", "_parent_index", "_submission__id", "_submission__uuid"},
	}
	sheets := map[string]*sheet{}
	for _, name := range []string{mainName, "cells", "interviews", "allegations", "recommendations"} {
		if name != mainName {
			if _, err := f.NewSheet(name); err != nil {
				return err
			}
		}
		sw, err := f.NewStreamWriter(name)
		if err != nil {
			return err
		}
		sheets[name] = &sheet{name: name, sw: sw}
		if err := sheets[name].add(heads[name]...); err != nil {
			return err
		}
	}
	uses := []string{"dormitory", "single"}
	adeq := []string{"adequate", "inadequate", "none"}
	first := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	var cellIdx, ivIdx, recIdx int
	for i := 1; i <= n; i++ {
		uuid := fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", r.Uint32(), r.Uint32()&0xffff, r.Uint32()&0xfff, r.Uint32()&0xfff, r.Uint64()&0xffffffffffff)
		day := first.AddDate(0, 0, (i*7)%700).Format("2006-01-02")
		total := 200 + r.IntN(2800)
		women := total / 12
		err := sheets[mainName].add(day+"T08:00:00.000+07:00", day+"T12:00:00.000+07:00", facs[i%len(facs)], day, "Bench Monitor; Second Monitor",
			total, total-women, women, r.IntN(20), total*3/4, r.IntN(30), 5, 3, 0, 2, "", "uuid:"+uuid, i, uuid, day+"T06:00:00", "", "",
			"submitted_via_web", "bench", "v1", "", i)
		if err != nil {
			return err
		}
		for c := 1; c <= 5; c++ {
			cellIdx++
			area := 20 + r.Float64()*60
			people := 1 + r.IntN(total/6)
			err := sheets["cells"].add(fmt.Sprintf("C%d", c), uses[r.IntN(2)], fmt.Sprintf("%.1f", area), people, r.IntN(3), 50+r.IntN(400),
				r.IntN(4), adeq[r.IntN(3)], adeq[r.IntN(3)], fmt.Sprintf("%.1f", area*0.8), "", cellIdx, mainName, i, i, uuid)
			if err != nil {
				return err
			}
		}
		for k := 1; k <= 3; k++ {
			ivIdx++
			anon, pseudo := "yes", ""
			if k == 2 {
				anon, pseudo = "no", fmt.Sprintf("P%d", i)
			}
			if err := sheets["interviews"].add("yes", anon, "", pseudo, "Interview summary for the benchmark", ivIdx, mainName, i, i, uuid); err != nil {
				return err
			}
		}
		for k := 1; k <= 2; k++ {
			recIdx++
			if err := sheets["recommendations"].add("", "", "Recommendation text for the benchmark", "General Department of Prisons", "", recIdx, mainName, i, i, uuid); err != nil {
				return err
			}
		}
	}
	for _, s := range sheets {
		if err := s.sw.Flush(); err != nil {
			return err
		}
	}
	return f.SaveAs(path)
}
