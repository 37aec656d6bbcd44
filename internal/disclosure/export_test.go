package disclosure

// PrimaryOnly applies primary suppression alone, so tests can show that the
// attack is not a no-op. It is deliberately not part of the package API.
func PrimaryOnly(s *Set, threshold int) (*Result, error) {
	return protect(s, Options{Threshold: threshold}, false)
}
