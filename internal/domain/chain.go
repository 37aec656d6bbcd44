package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// GenesisHash is the "previous hash" of the first event of a ledger.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// Body returns the canonical JSON of an event without its chain fields. This
// is what is stored and hashed; the interchange line is the body with prev and
// hash appended, so a backup round-trips byte for byte.
func Body(ev *Event) ([]byte, error) {
	c := *ev
	c.Prev, c.Hash = "", ""
	b, err := json.Marshal(&c)
	if err != nil {
		return nil, fmt.Errorf("encoding event %d: %w", ev.Seq, err)
	}
	return b, nil
}

// ChainHash is the hash of an event: SHA-256 over the previous hash (hex) and
// the canonical body.
func ChainHash(prev string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(prev))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// Line returns the interchange line (without newline) for a stored body.
func Line(body []byte, prev, hash string) []byte {
	out := make([]byte, 0, len(body)+150)
	out = append(out, body[:len(body)-1]...)
	out = append(out, `,"prev":"`...)
	out = append(out, prev...)
	out = append(out, `","hash":"`...)
	out = append(out, hash...)
	out = append(out, `"}`...)
	return out
}
