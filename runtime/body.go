package runtime

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
)

// body is an encoded request body: buffered byte segments and caller
// streams, in order. Buffered bytes are resent identically on retries;
// streams are rewound when they are io.Seekers, otherwise the request is
// not retried.
type body struct {
	segs   []segment
	one    [1]segment // backing of segs for the common single segment
	opened int
	last   *guard // the previous attempt's stream, when it must be rewound
}

type segment struct {
	b    []byte
	r    io.Reader
	seek io.Seeker // non-nil when r can be rewound to off
	off  int64
	size int64 // -1 unknown
}

func bytesBody(b []byte) *body {
	x := &body{}
	x.addBytes(b)
	return x
}

func readerBody(r io.Reader) *body {
	x := &body{}
	x.addReader(r)
	return x
}

func (x *body) addBytes(b []byte) {
	if len(b) > 0 {
		if x.segs == nil {
			x.segs = x.one[:0]
		}
		x.segs = append(x.segs, segment{b: b, size: int64(len(b))})
	}
}

func (x *body) addReader(r io.Reader) {
	s := segment{r: r, size: -1}
	if sk, ok := r.(io.Seeker); ok {
		if cur, err := sk.Seek(0, io.SeekCurrent); err == nil {
			if end, err := sk.Seek(0, io.SeekEnd); err == nil {
				if _, err := sk.Seek(cur, io.SeekStart); err == nil {
					s.seek, s.off, s.size = sk, cur, max(end-cur, 0)
				}
			}
		}
	}
	x.segs = append(x.segs, s)
}

// rewindable reports whether the body can be sent more than once.
func (x *body) rewindable() bool {
	for _, s := range x.segs {
		if s.r != nil && s.seek == nil {
			return false
		}
	}
	return true
}

// buffered reports whether the body has no caller streams.
func (x *body) buffered() bool {
	for _, s := range x.segs {
		if s.r != nil {
			return false
		}
	}
	return true
}

// length is the body size, or -1 when unknown.
func (x *body) length() int64 {
	var n int64
	for _, s := range x.segs {
		if s.size < 0 {
			return -1
		}
		n += s.size
	}
	return n
}

// bytesReader returns a fresh reader over a buffered body. It implements
// io.WriterTo without a copy buffer: the transport copies the body with
// io.Copy, and io.MultiReader's WriteTo would allocate 32 KiB per request.
func (x *body) bytesReader() io.ReadCloser {
	if len(x.segs) == 1 {
		return io.NopCloser(bytes.NewReader(x.segs[0].b)) // keeps WriteTo
	}
	segs := make([][]byte, len(x.segs))
	for i, s := range x.segs {
		segs[i] = s.b
	}
	return io.NopCloser(&segReader{segs: segs})
}

// segReader reads a sequence of byte slices.
type segReader struct{ segs [][]byte }

func (r *segReader) Read(p []byte) (int, error) {
	for len(r.segs) > 0 && len(r.segs[0]) == 0 {
		r.segs = r.segs[1:]
	}
	if len(r.segs) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.segs[0])
	r.segs[0] = r.segs[0][n:]
	return n, nil
}

func (r *segReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for len(r.segs) > 0 {
		n, err := w.Write(r.segs[0])
		total += int64(n)
		r.segs[0] = r.segs[0][n:]
		if err != nil {
			return total, err
		}
		r.segs = r.segs[1:]
	}
	return total, nil
}

// open returns the body stream for the next attempt. For a stream body
// sent before, it waits until the transport has closed the previous
// attempt's stream, then rewinds the caller's readers.
func (x *body) open(ctx context.Context) (io.ReadCloser, error) {
	if x.buffered() {
		return x.bytesReader(), nil
	}
	x.opened++
	if x.opened > 1 {
		if x.last != nil {
			select {
			case <-x.last.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		for _, s := range x.segs {
			if s.seek != nil {
				if _, err := s.seek.Seek(s.off, io.SeekStart); err != nil {
					return nil, err
				}
			}
		}
	}
	rs := make([]io.Reader, len(x.segs))
	for i, s := range x.segs {
		if s.r != nil {
			rs[i] = s.r
		} else {
			rs[i] = bytes.NewReader(s.b)
		}
	}
	g := &guard{r: io.MultiReader(rs...), done: make(chan struct{})}
	x.last = g
	return g, nil
}

var errBodyClosed = errors.New("runtime: read from a closed request body")

// guard hands a caller's stream to the transport and reports when the
// transport is done with it; the caller's reader itself is never closed.
type guard struct {
	mu     sync.Mutex
	r      io.Reader
	closed bool
	done   chan struct{}
}

// Read reads from the caller's stream until the transport closes it.
func (g *guard) Read(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return 0, errBodyClosed
	}
	return g.r.Read(p)
}

// Close marks the stream done; the caller's reader stays open.
func (g *guard) Close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.closed {
		g.closed = true
		close(g.done)
	}
	return nil
}
