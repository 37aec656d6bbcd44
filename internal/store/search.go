package store

import "context"

// PersonQuery selects people of the register for the staff search.
type PersonQuery struct {
	// Text matches a person id exactly or a part of the name, ignoring case.
	// Empty matches everyone.
	Text string
	// Facilities restricts to people whose current (or last) facility is one
	// of these; nil means no restriction. An empty non-nil slice matches no one.
	Facilities []string
	// Registrar, with Facilities, also matches the people not admitted (no
	// facility) whose registration, their first person event, this user
	// recorded: a person not yet admitted is their registrar's to reach
	// (docs/access.md).
	Registrar string
	// Facility restricts to one facility; empty means any.
	Facility  string
	InCustody bool // only people in custody
	Limit     int  // at most this many, ordered by id; 0 means 50
	Offset    int
}

// PersonSearch finds people in the person projection. It is separate from
// Store because only the staff application needs it.
type PersonSearch interface {
	SearchPersons(ctx context.Context, q PersonQuery) ([]Person, error)
}
