package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/url"
	"strconv"
	"strings"
)

// Paging (x-ms-pageable, connector-protocol.md §2.8).
//
// On the platform the workflow engine pages: it calls the operation, then
// GETs the URL found in the response's next-link property until the
// property is absent or empty, and an updatenextlink policy routes those
// links through the gateway so that they carry the connection. A
// generated client pages itself, through the one request path of [Client]
// (credentials, middleware, logging, retries), for every page.
//
// Readings chosen where the reference is silent or marks a point
// UNCONFIRMED:
//
//   - The first page is the operation's own request (its method, path,
//     query, headers and body). Every next page is a GET of the link, as
//     the engine does, with the operation's header parameters (the link
//     carries the path and query, not the headers a backend may require on
//     every call, such as an API version) and without a body.
//   - Every page goes through the client's policies (policy.go) as a
//     request of the operation: the link is a verbatim URL, so templates
//     that choose the URL leave it alone and the others (credential
//     headers, for one) apply; response policies, updatenextlink among
//     them, see each page before the link is read.
//   - A relative link is resolved against the URL of the page that carried
//     it (the redirect target when the HTTP client followed a redirect).
//   - Credentials go only where they would have gone on the platform: the
//     link must have the scheme and host of the client's base URL or of the
//     first page's request. A link to another host is a [*NextLinkError]
//     wrapping [ErrForeignNextLink] instead of a request that hands the
//     connection's credentials to that host.
//   - Query parameters that the [Authorizer] adds (an API key in the query)
//     are removed from a link before it is sent, so a link that echoes the
//     key does not carry it twice.
//   - A link already fetched in this iteration is a [*NextLinkError]
//     wrapping [ErrPageLoop]: the backend would otherwise be asked for the
//     same pages forever.
//   - The next-link property is looked up by its exact name, then
//     case-insensitively (3 corpus operations write "nextlink" for a
//     "nextLink" property). A null or empty string ends the iteration; any
//     other non-string value is a [*DecodeError].
//   - Items are read from [Paging.Items]; a page without that property (or
//     with null) has no items but its next link is still followed. A page
//     whose body is an array is all items and has no next link.

// ErrPageLoop is wrapped by the [*NextLinkError] yielded when a next link
// points at a page already fetched in the same iteration.
var ErrPageLoop = errors.New("next link repeats a page already fetched")

// ErrForeignNextLink is wrapped by the [*NextLinkError] yielded when a
// next link points at a host other than the service's: the connection's
// credentials are not sent there.
var ErrForeignNextLink = errors.New("next link leaves the service")

// NextLinkError reports a next link that is not followed. URL is the link
// as resolved, with the values of credential query parameters redacted.
type NextLinkError struct {
	OperationID string
	URL         string
	Err         error // ErrPageLoop, ErrForeignNextLink or a parse error
}

// Error describes the link and why it is not followed.
func (e *NextLinkError) Error() string {
	return fmt.Sprintf("%s: next link %q: %v", e.OperationID, e.URL, e.Err)
}

// Unwrap returns the reason.
func (e *NextLinkError) Unwrap() error { return e.Err }

// Paging says where the response of a pageable operation keeps its items
// and the link to the next page. For generated code.
type Paging struct {
	// NextLink is the name of the response property that holds the next
	// page's URL ("nextLink" when empty): a name at the response root, not
	// a path, so "@odata.nextLink" is one property.
	NextLink string
	// Items is the '/'-separated path from the response root to the array
	// of items ("value" when empty).
	Items string
}

// Page is one page of a pageable operation.
type Page struct {
	// Items are the elements of the page's item array, undecoded.
	Items []json.RawMessage
	// NextLink is the absolute URL of the next page, "" on the last page.
	NextLink string
	// Response is the status and headers of the page's response.
	Response *Response
}

// Pages calls op with args and follows the next links of its responses
// (see the notes at the top of pager.go), yielding one [Page] per response.
// An error (from a request, a decoding, a link that is not followed, or ctx)
// is yielded once with a nil page, and the iteration ends. Breaking out of
// the loop stops fetching. Nothing is sent before the iteration starts;
// each iteration of the returned sequence starts again from the first page.
func (c *Client) Pages(ctx context.Context, op *Operation, args []Arg, p Paging) iter.Seq2[*Page, error] {
	return func(yield func(*Page, error) bool) {
		req, err := c.build(op, args)
		if err != nil {
			yield(nil, err)
			return
		}
		// Request policies first (send would run them anyway): a
		// dynamichosturl or routerequesttoendpoint policy decides the host
		// the first page comes from, and links there are trusted.
		if err := c.prepare(ctx, op, req); err != nil {
			yield(nil, err)
			return
		}
		trusted := []string{origin(c.base), origin(&req.url)}
		seen := map[string]bool{}
		for {
			if err := ctx.Err(); err != nil {
				yield(nil, fmt.Errorf("%s: %w", op.ID, err))
				return
			}
			seen[req.url.String()] = true
			page, next, err := c.page(ctx, op, req, p)
			if err != nil {
				yield(nil, err)
				return
			}
			if next != nil {
				page.NextLink = next.String()
			}
			if !yield(page, nil) || next == nil {
				return
			}
			linkErr := func(err error) {
				yield(nil, &NextLinkError{OperationID: op.ID, URL: c.redact.url(next), Err: err})
			}
			if o := origin(next); o != trusted[0] && o != trusted[1] {
				linkErr(ErrForeignNextLink)
				return
			}
			if req, err = c.nextPageRequest(op, args, next); err != nil {
				yield(nil, err)
				return
			}
			if seen[req.url.String()] {
				linkErr(ErrPageLoop)
				return
			}
		}
	}
}

// PageItems is [Client.Pages] item by item: each item is decoded into T
// (a failure is a [*DecodeError] carrying the item). An error is yielded
// once with the zero T, and the iteration ends. For generated code.
func PageItems[T any](ctx context.Context, c *Client, op *Operation, args []Arg, p Paging) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		for page, err := range c.Pages(ctx, op, args, p) {
			if err != nil {
				yield(zero, err)
				return
			}
			for _, raw := range page.Items {
				var v T
				if err := json.Unmarshal(raw, &v); err != nil {
					yield(zero, &DecodeError{OperationID: op.ID, StatusCode: page.Response.StatusCode, Body: bounded(raw), Err: err})
					return
				}
				if !yield(v, nil) {
					return
				}
			}
		}
	}
}

// page sends one page request and splits the response into items and the
// resolved next link (nil on the last page).
func (c *Client) page(ctx context.Context, op *Operation, req *request, p Paging) (*Page, *url.URL, error) {
	resp, hreq, _, err := c.send(ctx, op, req)
	if err != nil {
		return nil, nil, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: reading response body: %w", op.ID, err)
	}
	page := &Page{Response: &Response{StatusCode: resp.StatusCode, Header: resp.Header}}
	decodeErr := func(err error) error {
		return &DecodeError{OperationID: op.ID, StatusCode: resp.StatusCode, Body: bounded(b), Err: err}
	}
	items, link, err := splitPage(b, p)
	if err != nil {
		return nil, nil, decodeErr(err)
	}
	page.Items = items
	if link == "" {
		return page, nil, nil
	}
	ref, err := url.Parse(link)
	if err != nil {
		return nil, nil, &NextLinkError{OperationID: op.ID, URL: c.redact.urlString(link), Err: err}
	}
	next := ref
	if !ref.IsAbs() {
		base := &req.url // without the credentials the Authorizer added
		if r := resp.Request; r != nil && r.URL != nil && r.URL.String() != hreq.URL.String() {
			base = r.URL // a redirect was followed
		}
		next = base.ResolveReference(ref)
	}
	if _, err := parsePollURL(next.String()); err != nil {
		return nil, nil, &NextLinkError{OperationID: op.ID, URL: c.redact.url(next), Err: err}
	}
	return page, next, nil
}

// splitPage reads the items and the next link of one page body.
func splitPage(b []byte, p Paging) ([]json.RawMessage, string, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, "", nil
	}
	if !json.Valid(b) {
		return nil, "", errors.New("page is not valid JSON")
	}
	switch jsonKind(b) {
	case 'n':
		return nil, "", nil
	case '[':
		items, err := arrayItems(b)
		return items, "", err
	case '{':
	default:
		return nil, "", errors.New("page is not a JSON object")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		return nil, "", err
	}
	name := p.NextLink
	if name == "" {
		name = "nextLink"
	}
	raw, ok := obj[name]
	if !ok {
		// Case-insensitively; of several such members ("NextLink" and
		// "nextlink") the first in sorted order, so the choice never
		// depends on map iteration.
		var pick string
		for k := range obj {
			if strings.EqualFold(k, name) && (!ok || k < pick) {
				pick, ok = k, true
			}
		}
		raw = obj[pick]
	}
	var link string
	if ok && jsonKind(raw) != 'n' {
		if err := json.Unmarshal(raw, &link); err != nil {
			return nil, "", fmt.Errorf("next link %q is not a string", name)
		}
		link = strings.TrimSpace(link)
	}
	path := p.Items
	if path == "" {
		path = "value"
	}
	arr, found, err := lookupPath(b, path)
	if err != nil {
		return nil, "", err
	}
	if !found || jsonKind(arr) == 'n' {
		return nil, link, nil
	}
	if jsonKind(arr) != '[' {
		return nil, "", fmt.Errorf("items %q are not an array", path)
	}
	items, err := arrayItems(arr)
	return items, link, err
}

// nextPageRequest builds the GET of a next link: the operation's header
// parameters, no body, the link's path and query minus the query
// parameters the Authorizer adds itself.
func (c *Client) nextPageRequest(op *Operation, args []Arg, next *url.URL) (*request, error) {
	sub := Operation{ID: op.ID, Method: "GET", Accept: op.Accept, Result: op.Result, NoAuth: op.NoAuth, Policies: op.Policies}
	var subArgs []Arg
	sub.Params, subArgs = keepParams(op, args, InHeader)
	req, err := c.build(&sub, subArgs)
	if err != nil {
		return nil, err
	}
	u := *next
	if n, ok := c.auth.(SecretNamer); ok && !op.NoAuth && u.RawQuery != "" {
		if _, names := n.SecretNames(); len(names) > 0 {
			u.RawQuery = dropQuery(u.RawQuery, names)
		}
	}
	u.Fragment, u.RawFragment = "", ""
	req.url, req.given = u, true
	return req, nil
}

// dropQuery removes the parameters called one of names from a raw query,
// keeping the others as written.
func dropQuery(raw string, names []string) string {
	parts := strings.Split(raw, "&")
	kept := parts[:0]
	for _, part := range parts {
		k, _, _ := strings.Cut(part, "=")
		if name, err := url.QueryUnescape(k); err == nil {
			k = name
		}
		drop := false
		for _, n := range names {
			drop = drop || k == n
		}
		if !drop {
			kept = append(kept, part)
		}
	}
	return strings.Join(kept, "&")
}

// origin is scheme://host of u, lower-cased, without a default port.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Host)
	switch {
	case scheme == "https" && strings.HasSuffix(host, ":443"):
		host = strings.TrimSuffix(host, ":443")
	case scheme == "http" && strings.HasSuffix(host, ":80"):
		host = strings.TrimSuffix(host, ":80")
	}
	return scheme + "://" + host
}

// lookupPath follows a '/'-separated path of object keys (and array
// indexes) from the JSON value b. An empty path is b itself. found is
// false when a key or index is absent or a value on the way is null; a
// value on the way that is neither an object nor an array is an error.
func lookupPath(b []byte, path string) (v json.RawMessage, found bool, err error) {
	cur := json.RawMessage(b)
	path = strings.Trim(path, "/")
	if path == "" {
		return cur, true, nil
	}
	segs := strings.Split(path, "/")
	at := func(i int) string {
		if i == 0 {
			return "the root"
		}
		return strconv.Quote(strings.Join(segs[:i], "/"))
	}
	for i, seg := range segs {
		switch jsonKind(cur) {
		case '{':
			var obj map[string]json.RawMessage
			if err := json.Unmarshal(cur, &obj); err != nil {
				return nil, false, err
			}
			next, ok := obj[seg]
			if !ok {
				return nil, false, nil
			}
			cur = next
		case '[':
			var arr []json.RawMessage
			if err := json.Unmarshal(cur, &arr); err != nil {
				return nil, false, err
			}
			n, ok := index(seg)
			if !ok {
				return nil, false, fmt.Errorf("path %q: %q is not an index of the array at %s", path, seg, at(i))
			}
			if n >= len(arr) {
				return nil, false, nil
			}
			cur = arr[n]
		case 'n':
			return nil, false, nil
		default:
			return nil, false, fmt.Errorf("path %q: the value at %s is not an object", path, at(i))
		}
	}
	return cur, true, nil
}

// index parses a non-negative decimal array index.
func index(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int(r-'0')
	}
	return n, true
}
