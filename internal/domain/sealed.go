package domain

import "slices"

// Sealed is a restricted record carried by an event: its content encrypted
// for one organisation (see package restricted), so that the ledger hashes
// the ciphertext and `habeas verify` checks it without any key. Any payload
// may carry one; the visit of a monitoring organisation keeps its
// interviews and allegations in one, a concern marker is one.
type Sealed struct {
	// Org is the organisation whose key opens the record.
	Org string `json:"org"`
	// Ciphertext is the record encrypted with its own data key (an age file,
	// base64).
	Ciphertext string `json:"ciphertext"`
	// Wrapped is the record's data key encrypted to the organisation's key.
	// It is not part of the event's body: the ledger keeps it beside the
	// event, so that destroying it (consent withdrawn) makes the record
	// unreadable for good while the chain still verifies.
	Wrapped []byte `json:"-"`
}

// MaxSealed bounds a restricted record's ciphertext (base64): a visit's
// interviews are text, not documents.
const MaxSealed = 1 << 20

// Validate checks that the record names its organisation and has content.
func (s *Sealed) Validate() error {
	switch {
	case blank(s.Org):
		return Invalid("org", "missing: the organisation whose key opens the record")
	case s.Ciphertext == "":
		return Invalid("ciphertext", "missing")
	}
	return nil
}

// SealedPayload is a payload that carries restricted records: a marker one,
// a visit one per interview (so that each interview's data key can be
// destroyed on its own when its consent is withdrawn). A record's index in
// the list is its part: the ledger keeps its wrapped data key by the
// event's sequence number and the part.
type SealedPayload interface {
	SealedRecords() []*Sealed
}

// KMarker is a concern marker: a monitoring organisation marks a person as
// held on grounds it is concerned about. Its content (who, the sources) is
// a restricted record; its category is in clear so that national counts can
// be published without any key.
const KMarker Kind = "concern_marker"

// The categories of concern markers. The strings are stored; never rename
// one.
const (
	MarkerPolitical     = "political"      // held on politically motivated grounds
	MarkerDrugArbitrary = "drug_detention" // held arbitrarily in a drug detention centre
	MarkerIllTreatment  = "ill_treatment"  // alleging ill-treatment
)

// MarkerCategories in the order they are shown.
var MarkerCategories = []string{MarkerPolitical, MarkerDrugArbitrary, MarkerIllTreatment}

// MarkerData is the payload of a concern marker.
type MarkerData struct {
	Category string `json:"category"`
	Record   Sealed `json:"record"`
}

// SealedRecords returns the marker's restricted record, its only part.
func (d *MarkerData) SealedRecords() []*Sealed { return []*Sealed{&d.Record} }

// Validate checks the category and the record.
func (d *MarkerData) Validate() error {
	if !slices.Contains(MarkerCategories, d.Category) {
		return Invalid("category", "must be one of political, drug_detention, ill_treatment; not %q", d.Category)
	}
	return InField("record", d.Record.Validate())
}
