package bootstrap

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"strings"
)

// Boundary is the fixed MIME boundary. A random one (mime/multipart's
// default) would change the launch template on every run.
const Boundary = "//EKSFLEET-USERDATA-BOUNDARY//"

// Content types of the MIME parts.
const (
	ContentTypeNodeConfig = "application/node.eks.aws"
	ContentTypeShell      = `text/x-shellscript; charset="us-ascii"`
	ContentTypeBoothook   = `text/cloud-boothook; charset="us-ascii"`
)

type part struct {
	contentType string
	body        []byte
}

// writeMIME joins parts into a multipart/mixed document that cloud-init
// and nodeadm both read. Part order is kept: nodeadm merges NodeConfig
// parts in order, later ones winning.
func writeMIME(parts []part) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"" + Boundary + "\"\r\n\r\n")
	w := multipart.NewWriter(&b)
	if err := w.SetBoundary(Boundary); err != nil {
		return nil, err
	}
	for i, p := range parts {
		if bytes.Contains(p.body, []byte(Boundary)) {
			return nil, fmt.Errorf("user data part %d contains the MIME boundary %q", i, Boundary)
		}
		pw, err := w.CreatePart(textproto.MIMEHeader{"Content-Type": {p.contentType}})
		if err != nil {
			return nil, err
		}
		if _, err := pw.Write(p.body); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// shellQuote quotes s for POSIX shells: unchanged when it holds only
// characters no shell treats specially, else in single quotes.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}
