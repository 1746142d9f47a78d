package plan

import (
	"errors"
	"strings"

	"github.com/eksfleet/eksfleet/stacks/config"
)

// isConfigError recognises a config validation failure in a program error.
// The SDK flattens errors returned by a program into text on some paths, so
// when the typed error is lost the text is recognised instead.
func isConfigError(err error) bool {
	var cerr *config.Errors
	return errors.As(err, &cerr) || strings.Contains(err.Error(), "invalid stack configuration (")
}
