package cli

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"
)

// loadKeyPair reads a certificate and its key, saying plainly which files
// do not go together: tls.LoadX509KeyPair's "private key does not match
// public key" names neither.
func loadKeyPair(certFile, keyFile string) (*tls.Certificate, error) {
	c, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		if strings.Contains(err.Error(), "does not match") {
			return nil, fmt.Errorf("the TLS key %s is not the key of the certificate %s: %w", keyFile, certFile, err)
		}
		return nil, fmt.Errorf("loading the TLS certificate %s and key %s: %w", certFile, keyFile, err)
	}
	if c.Leaf == nil && len(c.Certificate) > 0 {
		c.Leaf, _ = x509.ParseCertificate(c.Certificate[0])
	}
	return &c, nil
}

// certReloader serves the certificate it last loaded and loads it again
// when asked (on SIGHUP): a renewed certificate is taken without a
// restart. A pair that fails to load leaves the one in use.
type certReloader struct {
	certFile, keyFile string
	log               *slog.Logger
	cur               atomic.Pointer[tls.Certificate]
}

func newCertReloader(certFile, keyFile string, log *slog.Logger) (*certReloader, error) {
	r := &certReloader{certFile: certFile, keyFile: keyFile, log: log}
	c, err := loadKeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	r.cur.Store(c)
	return r, nil
}

// reload loads the files again; on failure the certificate in use stays,
// and the error is logged and returned.
func (r *certReloader) reload() error {
	c, err := loadKeyPair(r.certFile, r.keyFile)
	if err != nil {
		r.log.Error("reloading the TLS certificate: keeping the one in use", "err", err)
		return err
	}
	r.cur.Store(c)
	attrs := []any{"cert", r.certFile}
	if c.Leaf != nil {
		attrs = append(attrs, "not_after", c.Leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	r.log.Info("reloaded the TLS certificate", attrs...)
	return nil
}

func (r *certReloader) getCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return r.cur.Load(), nil
}

// tlsConfig is the server's TLS configuration, serving r's certificate.
func (r *certReloader) tlsConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: r.getCertificate}
}
