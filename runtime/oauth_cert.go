package runtime

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"time"
)

// clientAssertionType is the client_assertion_type of a JWT client
// assertion (RFC 7523).
const clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// assert adds a client assertion signed with the connection's certificate
// (aadcertificate) to a token request for tokenURL.
func (c *oauthConn) assert(form url.Values, tokenURL string) error {
	pemText := c.key(KeyClientCertificate)
	if pemText == "" {
		return fmt.Errorf("%s: no client certificate: set %s to the PEM certificate and private key", c.what(), c.s.Param+KeyClientCertificate)
	}
	cert, key, err := ParseClientCertificate([]byte(pemText))
	if err != nil {
		return fmt.Errorf("%s: %s: %w", c.what(), c.s.Param+KeyClientCertificate, err)
	}
	jwt, err := ClientAssertion(cert, key, c.clientID(), tokenURL, time.Now())
	if err != nil {
		return fmt.Errorf("%s: %w", c.what(), err)
	}
	form.Set("client_assertion_type", clientAssertionType)
	form.Set("client_assertion", jwt)
	return nil
}

// ParseClientCertificate reads a PEM bundle holding a certificate and its
// RSA private key (PKCS #1 or PKCS #8), in any order. Errors never quote
// the input.
func ParseClientCertificate(data []byte) (*x509.Certificate, *rsa.PrivateKey, error) {
	var cert *x509.Certificate
	var key *rsa.PrivateKey
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		switch b.Type {
		case "CERTIFICATE":
			if cert != nil {
				continue // the leaf comes first; the rest is the chain
			}
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, nil, errors.New("invalid CERTIFICATE block")
			}
			cert = c
		case "RSA PRIVATE KEY":
			k, err := x509.ParsePKCS1PrivateKey(b.Bytes)
			if err != nil {
				return nil, nil, errors.New("invalid RSA PRIVATE KEY block")
			}
			key = k
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			if err != nil {
				return nil, nil, errors.New("invalid PRIVATE KEY block")
			}
			rk, ok := k.(*rsa.PrivateKey)
			if !ok {
				return nil, nil, errors.New("the private key is not an RSA key (Entra ID client assertions are RS256)")
			}
			key = rk
		}
	}
	switch {
	case cert == nil:
		return nil, nil, errors.New("no CERTIFICATE block in the PEM data")
	case key == nil:
		return nil, nil, errors.New("no RSA private key block in the PEM data")
	}
	if pub, ok := cert.PublicKey.(*rsa.PublicKey); !ok || !pub.Equal(&key.PublicKey) {
		return nil, nil, errors.New("the private key does not belong to the certificate")
	}
	return cert, key, nil
}

// ClientAssertion returns a JWT client assertion (RS256) that authenticates
// clientID at the token endpoint aud with a certificate, as Microsoft Entra
// ID expects: header x5t is the certificate's SHA-1 thumbprint, the claims
// are aud, iss = sub = clientID, a random jti, nbf, iat and exp (ten
// minutes on).
func ClientAssertion(cert *x509.Certificate, key *rsa.PrivateKey, clientID, aud string, now time.Time) (string, error) {
	thumb := sha1.Sum(cert.Raw)
	header, err := json.Marshal(map[string]string{
		"alg": "RS256",
		"typ": "JWT",
		"x5t": base64.RawURLEncoding.EncodeToString(thumb[:]),
	})
	if err != nil {
		return "", err
	}
	var jti [16]byte
	if _, err := rand.Read(jti[:]); err != nil {
		return "", err
	}
	claims, err := json.Marshal(map[string]any{
		"aud": aud,
		"iss": clientID,
		"sub": clientID,
		"jti": hex.EncodeToString(jti[:]),
		"nbf": now.Unix(),
		"iat": now.Unix(),
		"exp": now.Add(10 * time.Minute).Unix(),
	})
	if err != nil {
		return "", err
	}
	signing := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(claims)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("signing the client assertion: %v", err)
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}
