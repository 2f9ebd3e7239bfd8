package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"shilu/internal/evidence"
)

// FigureCounts are one year's accountability figures of an officer or a
// department (R-RPT-1, X-RPT-1): the findings that stand against them, the
// accountability cases opened by item of Art. 20, and the decisions of
// Art. 21 dated in the year.
type FigureCounts struct {
	Findings   int                          `json:"findings"`
	Cases      int                          `json:"cases"`
	ByItem     map[evidence.Art20Item]int   `json:"cases_by_item"`
	ByDecision map[evidence.AccDecision]int `json:"decisions"`
}

func newCounts() FigureCounts {
	return FigureCounts{ByItem: map[evidence.Art20Item]int{}, ByDecision: map[evidence.AccDecision]int{}}
}

// FigureRow is one officer's or one department's figures: Officer is ""
// on a department's row, DepartmentID 0 for officers without a department.
type FigureRow struct {
	Officer      string `json:"officer,omitempty"`
	Name         string `json:"name,omitempty"`
	DepartmentID int64  `json:"department_id"`
	Department   string `json:"department"`
	FigureCounts
}

// Figures are a year's figures per officer and per department, with the
// totals.
type Figures struct {
	Year        int          `json:"year"`
	Officers    []FigureRow  `json:"officers"`
	Departments []FigureRow  `json:"departments"`
	Total       FigureCounts `json:"total"`
}

// AnnualFigures counts year (Asia/Shanghai) for the officers in scope: a
// finding counts for the officer it names, or for each officer of its
// activity when it names none, and once for each department whose officers
// it concerns and in the total; voided activities' and resolved findings
// do not count. A case counts under the officer it names and the
// department it was opened in.
func (tx *Tx) AnnualFigures(ctx context.Context, year int, scope Scope) (Figures, error) {
	from := time.Date(year, 1, 1, 0, 0, 0, 0, evidence.Zone)
	to := from.AddDate(1, 0, 0)
	fig := Figures{Year: year, Officers: []FigureRow{}, Departments: []FigureRow{}, Total: newCounts()}
	dir, err := tx.OfficerDirectory(ctx)
	if err != nil {
		return fig, err
	}
	inScope := map[int64]bool{}
	cond, args := scope.where("id")
	ids, err := tx.ids(ctx, `SELECT id FROM users WHERE `+cond, args...)
	if err != nil {
		return fig, fmt.Errorf("store: figures scope: %w", err)
	}
	for _, id := range ids {
		inScope[id] = true
	}
	officers, depts := map[string]*FigureRow{}, map[int64]*FigureRow{}
	deptNames := map[int64]string{}
	ds, err := tx.Departments(ctx)
	if err != nil {
		return fig, err
	}
	for _, d := range ds {
		deptNames[d.ID] = d.Name
	}
	officerRow := func(no string) *FigureRow {
		if r, ok := officers[no]; ok {
			return r
		}
		o := dir[no]
		r := &FigureRow{Officer: no, Name: o.Name, DepartmentID: o.DepartmentID, Department: o.Department, FigureCounts: newCounts()}
		officers[no] = r
		return r
	}
	deptRow := func(id int64) *FigureRow {
		if r, ok := depts[id]; ok {
			return r
		}
		r := &FigureRow{DepartmentID: id, Department: deptNames[id], FigureCounts: newCounts()}
		depts[id] = r
		return r
	}
	seen := func(no string) bool { o, ok := dir[no]; return ok && inScope[o.UserID] }

	// Findings: (finding, officer) pairs.
	rows, err := tx.query(ctx, `SELECT f.id, f.officer FROM findings f LEFT JOIN activities a ON a.id = f.activity_id
		WHERE f.officer <> '' AND f.resolved_at IS NULL AND a.voided_at IS NULL AND COALESCE(a.arrival, f.first_seen) >= ? AND COALESCE(a.arrival, f.first_seen) < ?
		UNION ALL
		SELECT f.id, o.officer FROM findings f JOIN activities a ON a.id = f.activity_id JOIN activity_officers o ON o.activity_id = a.id
		WHERE f.officer = '' AND f.resolved_at IS NULL AND a.voided_at IS NULL AND a.arrival >= ? AND a.arrival < ?`,
		micros(from), micros(to), micros(from), micros(to))
	if err != nil {
		return fig, fmt.Errorf("store: figures findings: %w", err)
	}
	type pair struct{ finding, dept int64 }
	deptSeen, totalSeen := map[pair]bool{}, map[int64]bool{}
	for rows.Next() {
		var id int64
		var no string
		if err := rows.Scan(&id, &no); err != nil {
			rows.Close()
			return fig, fmt.Errorf("store: figures findings: %w", err)
		}
		if !seen(no) {
			continue
		}
		r := officerRow(no)
		r.Findings++
		if k := (pair{id, r.DepartmentID}); !deptSeen[k] {
			deptSeen[k] = true
			deptRow(r.DepartmentID).Findings++
		}
		if !totalSeen[id] {
			totalSeen[id] = true
			fig.Total.Findings++
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fig, fmt.Errorf("store: figures findings: %w", err)
	}

	// Cases opened in the year, decisions dated in it.
	rows, err = tx.query(ctx, `SELECT officer, officer_id, COALESCE(department_id, 0), item, decisions, decided_on, opened_at FROM accountability_cases
		WHERE (opened_at >= ? AND opened_at < ?) OR decided_on LIKE ?`, micros(from), micros(to), fmt.Sprintf("%04d-%%", year))
	if err != nil {
		return fig, fmt.Errorf("store: figures cases: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var no, item, decisions, on string
		var uid, dept, opened int64
		if err := rows.Scan(&no, &uid, &dept, &item, &decisions, &on, &opened); err != nil {
			return fig, fmt.Errorf("store: figures cases: %w", err)
		}
		if !inScope[uid] {
			continue
		}
		r, d := officerRow(no), deptRow(dept)
		if t := fromMicros(opened); !t.Before(from) && t.Before(to) {
			for _, c := range []*FigureCounts{&r.FigureCounts, &d.FigureCounts, &fig.Total} {
				c.Cases++
				c.ByItem[evidence.Art20Item(item)]++
			}
		}
		if strings.HasPrefix(on, fmt.Sprintf("%04d-", year)) {
			for _, x := range strings.Split(decisions, ",") {
				if x == "" {
					continue
				}
				for _, c := range []*FigureCounts{&r.FigureCounts, &d.FigureCounts, &fig.Total} {
					c.ByDecision[evidence.AccDecision(x)]++
				}
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fig, fmt.Errorf("store: figures cases: %w", err)
	}
	for _, r := range officers {
		fig.Officers = append(fig.Officers, *r)
	}
	for _, r := range depts {
		fig.Departments = append(fig.Departments, *r)
	}
	sortFigures(fig.Officers)
	sortFigures(fig.Departments)
	return fig, nil
}

// sortFigures orders rows by department name, then officer number.
func sortFigures(rows []FigureRow) {
	slices.SortFunc(rows, func(a, b FigureRow) int {
		return cmp.Or(strings.Compare(a.Department, b.Department), strings.Compare(a.Officer, b.Officer))
	})
}
