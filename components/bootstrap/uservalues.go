package bootstrap

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// The validators below check one value a user writes into a node group's
// settings. Validate runs them on an Input; a configuration layer runs the
// same functions up front, before anything is registered, and attaches its
// own key path to each error. Errors say what is wrong and what is valid,
// without naming the field (the caller does).

// ValidateKubeletArg checks one extra kubelet flag for family f.
func ValidateKubeletArg(f Family, a string) error {
	if !strings.HasPrefix(a, "--") || len(a) < 3 {
		return errors.New("must be a kubelet flag like --image-gc-high-threshold=80")
	}
	if strings.ContainsAny(a, unsafeChars+" \t") {
		return errors.New("holds whitespace; pass one flag per entry, as --flag=value")
	}
	name, _, _ := strings.Cut(a, "=")
	if field, ok := ownedFlags[name]; ok {
		return fmt.Errorf("sets %s, which comes from the node group's %s field; set it there instead", name, field)
	}
	if f.orDefault() == AL2 && strings.Contains(a, "'") {
		return errors.New("holds a single quote, which AL2's bootstrap.sh cannot pass")
	}
	return checkText(a)
}

// ValidatePreBootstrapCommand checks one shell line run before the node
// joins.
func ValidatePreBootstrapCommand(cmd string) error {
	if strings.TrimSpace(cmd) == "" || strings.ContainsRune(cmd, 0) {
		return errors.New("is empty or holds a NUL byte; give a shell command")
	}
	return checkText(cmd)
}

// ValidateProxyURL checks an HTTP(S) proxy URL such as
// http://proxy.corp.example:3128.
func ValidateProxyURL(raw string) error {
	if err := validateProxyURL(raw); err != nil {
		return err
	}
	return checkText(raw)
}

// ValidateNoProxyEntry checks one extra NO_PROXY entry: a host, a domain
// (.corp.example), an IP or a CIDR.
func ValidateNoProxyEntry(e string) error {
	if strings.TrimSpace(e) == "" || strings.ContainsAny(e, unsafeChars+" \t,'\"\\`$;") {
		return errors.New("must be one host, domain (.example.com), IP or CIDR, without spaces, commas, quotes, '$' or ';'")
	}
	return checkText(e)
}

// checkText refuses what no user data format can carry: bytes that are not
// UTF-8 (TOML, YAML and JSON are UTF-8 only; Bottlerocket's settings parser
// rejects the document) and the MIME boundary of the user data (the
// multipart document would split inside it). Rendering would fail on either,
// but only once the cluster is known; checked here, it fails before anything
// is registered.
func checkText(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("is not valid UTF-8")
	}
	if strings.Contains(s, Boundary) {
		return fmt.Errorf("holds the user data MIME boundary %q; remove it", Boundary)
	}
	return nil
}

// MaxUserDataBytes is EC2's limit on user data: 16 KB of raw data, before
// base64 encoding (EC2 User Guide, "Run commands when you launch an EC2
// instance with user data input": "User data is limited to 16 KB, in raw
// form, before it is base64-encoded"; RunInstances and launch templates
// refuse more).
const MaxUserDataBytes = 16 * 1024

// CheckUserDataSize refuses rendered user data EC2 would refuse.
func CheckUserDataSize(raw []byte) error {
	if len(raw) > MaxUserDataBytes {
		return fmt.Errorf("user data is %d bytes, over EC2's limit of %d bytes (16 KB before base64)", len(raw), MaxUserDataBytes)
	}
	return nil
}
