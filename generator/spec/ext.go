package spec

import (
	"strings"

	"github.com/connectorgen/connectorgen/generator/diag"
)

// knownExtensions are the x-ms-* keys of the connector format (plus the
// AutoRest ones found in the corpus). An unknown x-ms-* key within edit
// distance 2 of one of them is read as that key, with a warning.
var knownExtensions = []string{
	"x-ms-visibility", "x-ms-summary", "x-ms-trigger", "x-ms-trigger-hint",
	"x-ms-trigger-metadata", "x-ms-trigger-value", "x-ms-notification-content",
	"x-ms-notification-url", "x-ms-url-encoding", "x-ms-dynamic-values",
	"x-ms-dynamic-list", "x-ms-dynamic-schema", "x-ms-dynamic-properties",
	"x-ms-dynamic-tree", "x-ms-pageable", "x-ms-api-annotation", "x-ms-capabilities",
	"x-ms-connector-metadata", "x-ms-enum-values", "x-ms-test-value",
	"x-ms-no-generic-test", "x-ms-require-user-confirmation", "x-ms-openai-data",
	"x-ms-openai-manifest", "x-ms-editor", "x-ms-editor-options", "x-ms-media-kind",
	"x-ms-safe-operation", "x-ms-operation-context", "x-ms-notification",
	"x-ms-localizeDefaultValue", "x-ms-deployment-version", "x-ms-keywords",
	"x-ms-docs", "x-ms-apihub-cached-response", "x-ms-apihub-obo", "x-ms-enum",
	"x-ms-client-name", "x-ms-parameter-location", "x-ms-skip-url-encoding",
}

// Extension keys read by the converter.
const (
	extVisibility          = "x-ms-visibility"
	extSummary             = "x-ms-summary"
	extTrigger             = "x-ms-trigger"
	extTriggerHint         = "x-ms-trigger-hint"
	extTriggerMetadata     = "x-ms-trigger-metadata"
	extTriggerValue        = "x-ms-trigger-value"
	extNotificationContent = "x-ms-notification-content"
	extNotificationURL     = "x-ms-notification-url"
	extURLEncoding         = "x-ms-url-encoding"
	extDynamicValues       = "x-ms-dynamic-values"
	extDynamicList         = "x-ms-dynamic-list"
	extDynamicSchema       = "x-ms-dynamic-schema"
	extDynamicProperties   = "x-ms-dynamic-properties"
	extDynamicTree         = "x-ms-dynamic-tree"
	extPageable            = "x-ms-pageable"
	extAPIAnnotation       = "x-ms-api-annotation"
	extCapabilities        = "x-ms-capabilities"
	extNullable            = "x-nullable" // not x-ms, read as written
)

var knownExtensionSet = func() map[string]bool {
	m := make(map[string]bool, len(knownExtensions)+1)
	for _, k := range knownExtensions {
		m[k] = true
	}
	m[extNullable] = true
	return m
}()

// extResolver maps extension keys to the known key they stand for; it caches
// the edit-distance search per spelling.
type extResolver struct {
	cache map[string]string // key as written -> known key, "" when none
}

// canonical returns the known key that key stands for ("" when none) and
// whether key is a misspelling of it.
func (r *extResolver) canonical(key string) (known string, misspelled bool) {
	if knownExtensionSet[key] {
		return key, false
	}
	lower := strings.ToLower(key)
	if !strings.HasPrefix(lower, "x-ms") {
		return "", false
	}
	if k, ok := r.cache[key]; ok {
		return k, k != ""
	}
	best, bestDist := "", 3
	for _, k := range knownExtensions {
		if d := editDistance(lower, strings.ToLower(k), bestDist); d < bestDist {
			best, bestDist = k, d
		}
	}
	if r.cache == nil {
		r.cache = make(map[string]string)
	}
	r.cache[key] = best
	return best, best != ""
}

// editDistance is the Levenshtein distance of a and b (bytes), or any value
// >= limit once it is known to be at least limit.
func editDistance(a, b string, limit int) int {
	if d := len(a) - len(b); d >= limit || -d >= limit {
		return limit
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin >= limit {
			return limit
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// extSet is the resolved extensions of one object: known key to entry.
type extSet []extEntry // entry.key is the known key; kn/vn as found

// get returns the value node of the known key, nil when absent.
func (s extSet) get(known string) *ynode {
	for i := range s {
		if s[i].key == known {
			return s[i].vn
		}
	}
	return nil
}

// getEntry returns the entry of the known key.
func (s extSet) getEntry(known string) (extEntry, bool) {
	for i := range s {
		if s[i].key == known {
			return s[i], true
		}
	}
	return extEntry{}, false
}

// resolveExts turns the extensions of one object into an extSet, warning
// about misspelled keys. An exact key takes precedence over misspellings of
// it; among misspellings of one key, the last wins.
func (c *converter) resolveExts(entries []extEntry) extSet {
	if len(entries) == 0 {
		return nil
	}
	var set extSet
	for _, e := range entries {
		if knownExtensionSet[e.key] {
			set = append(set, e)
		}
	}
	for _, e := range entries {
		known, misspelled := c.exts.canonical(e.key)
		if !misspelled {
			continue
		}
		pos := nodePos(c.file, e.kn)
		if hasExact(entries, known) {
			c.ds.Warnf(pos, "misspelled extension %s ignored: %s is also present", e.key, known)
			continue
		}
		c.ds.Warnf(pos, "misspelled extension %s read as %s", e.key, known)
		set = setEntry(set, extEntry{key: known, kn: e.kn, vn: e.vn})
	}
	return set
}

func hasExact(entries []extEntry, key string) bool {
	for _, e := range entries {
		if e.key == key {
			return true
		}
	}
	return false
}

func setEntry(set extSet, e extEntry) extSet {
	for i := range set {
		if set[i].key == e.key {
			set[i] = e
			return set
		}
	}
	return append(set, e)
}

// lowerText reads a string extension lower-cased (enum-like values).
func (s extSet) lowerText(known string) string {
	return strings.ToLower(strings.TrimSpace(nodeText(s.get(known))))
}

// text reads a string extension as written.
func (s extSet) text(known string) string { return nodeText(s.get(known)) }

// raw reads an extension as raw JSON (nil when absent).
func (s extSet) raw(known string) []byte {
	if n := s.get(known); n != nil {
		return nodeRaw(n)
	}
	return nil
}

// flag reads a boolean extension, tolerating "true"/"false" strings.
func (s extSet) flag(known string) bool {
	b, _ := nodeBool(s.get(known))
	return b
}

// pageable decodes x-ms-pageable.
func (s extSet) pageable() *Pageable {
	n := s.get(extPageable)
	if n == nil || nodeIsNull(n) {
		return nil
	}
	_, next := nodeGet(n, "nextLinkName")
	_, item := nodeGet(n, "itemName")
	return &Pageable{NextLinkName: nodeText(next), ItemName: nodeText(item)}
}

// annotation decodes x-ms-api-annotation.
func (s extSet) annotation() *Annotation {
	n := s.get(extAPIAnnotation)
	if n == nil || !nodeIsMap(n) {
		return nil
	}
	_, fam := nodeGet(n, "family")
	_, rev := nodeGet(n, "revision")
	_, st := nodeGet(n, "status")
	a := &Annotation{Family: nodeText(fam), Status: strings.ToLower(strings.TrimSpace(nodeText(st)))}
	a.Revision, _ = nodeInt(rev)
	return a
}

// warnEnum warns when an enum-like extension has a value outside allowed.
func (c *converter) warnEnum(s extSet, known, value string, allowed ...string) {
	if value == "" {
		return
	}
	for _, a := range allowed {
		if value == a {
			return
		}
	}
	e, _ := s.getEntry(known)
	c.ds.Warnf(nodePos(c.file, e.vn), "unknown %s value %q", known, nodeText(e.vn))
}

// posOf is a convenience for positions in the converter's file.
func (c *converter) posOf(n *ynode) diag.Pos { return nodePos(c.file, n) }
