package s3api

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/cfinv/cfinv/internal/sigv4"
)

// maxChunkLine bounds a chunk header or trailer line, so a client cannot
// make the decoder buffer without end.
const maxChunkLine = 4096

// errChunk is a malformed aws-chunked body.
var errChunk = errors.New("malformed aws-chunked body")

// chunkedReader decodes an aws-chunked body: chunks of
// "HEXSIZE[;chunk-signature=SIG]\r\nDATA\r\n", a final chunk of size 0,
// then optional trailing headers and an empty line. With signed set, every
// chunk signature (and the trailer signature, if any) is checked against
// the chain that starts at the request's seed signature.
type chunkedReader struct {
	r      *bufio.Reader
	signed *sigv4.Signed // nil: unsigned chunks
	prev   string        // the last signature in the chain

	chunk   []byte
	done    bool
	err     error
	trailer map[string]string // trailing headers by lower-case name
}

func newChunkedReader(r io.Reader, signed *sigv4.Signed) *chunkedReader {
	c := &chunkedReader{r: bufio.NewReaderSize(r, 64<<10), signed: signed, trailer: map[string]string{}}
	if signed != nil {
		c.prev = signed.Seed
	}
	return c
}

func (c *chunkedReader) readLine() (string, error) {
	var line []byte
	for {
		part, isPrefix, err := c.r.ReadLine()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return "", err
		}
		line = append(line, part...)
		if len(line) > maxChunkLine {
			return "", fmt.Errorf("%w: a line over %d bytes", errChunk, maxChunkLine)
		}
		if !isPrefix {
			return string(line), nil
		}
	}
}

// Read returns decoded bytes. A signed chunk is read whole before any of it
// is returned, so no byte of a chunk whose signature is wrong is ever
// passed on.
func (c *chunkedReader) Read(p []byte) (int, error) {
	for len(c.chunk) == 0 {
		if c.err != nil {
			return 0, c.err
		}
		if c.done {
			return 0, io.EOF
		}
		c.err = c.next()
	}
	n := copy(p, c.chunk)
	c.chunk = c.chunk[n:]
	return n, nil
}

// next reads the next chunk into c.chunk.
func (c *chunkedReader) next() error {
	line, err := c.readLine()
	if err != nil {
		return err
	}
	sizeHex, ext, _ := strings.Cut(line, ";")
	size, err := strconv.ParseInt(strings.TrimSpace(sizeHex), 16, 64)
	if err != nil || size < 0 || size > maxChunkSize {
		return fmt.Errorf("%w: chunk size %q", errChunk, sizeHex)
	}
	var sig string
	if ext != "" {
		k, v, _ := strings.Cut(ext, "=")
		if strings.TrimSpace(k) == "chunk-signature" {
			sig = strings.TrimSpace(v)
		}
	}
	if c.signed != nil && sig == "" {
		return fmt.Errorf("%w: a chunk without chunk-signature", errChunk)
	}
	// Grown as the data arrives: a header claiming 16 MiB that is never
	// sent costs nothing.
	var b bytes.Buffer
	if _, err := io.CopyN(&b, c.r, size); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	buf := b.Bytes()
	if c.signed != nil {
		sum := sha256.Sum256(buf)
		want := c.signed.ChunkSignature(c.prev, sum[:])
		if !sigv4.EqualSignature(want, sig) {
			return errChunkSignature
		}
		c.prev = sig
	}
	if size == 0 {
		c.done = true
		return c.readTrailer()
	}
	crlf, err := c.readLine()
	if err != nil {
		return err
	}
	if crlf != "" {
		return fmt.Errorf("%w: chunk data longer than its size", errChunk)
	}
	c.chunk = buf
	return nil
}

// errChunkSignature is a chunk or trailer whose signature is wrong.
var errChunkSignature = errors.New("chunk signature does not match")

// maxChunkSize bounds one chunk (the SDKs send 64 KiB to 1 MiB).
const maxChunkSize = 16 << 20

// readTrailer reads the trailing headers after the last chunk, up to the
// empty line (or the end of the body, which some clients send instead).
func (c *chunkedReader) readTrailer() error {
	var canon strings.Builder
	var sig string
	for n := 0; ; n++ {
		line, err := c.readLine()
		if err == io.ErrUnexpectedEOF && n > 0 {
			break
		}
		if err != nil {
			if n == 0 && err == io.ErrUnexpectedEOF {
				return nil // "0\r\n" and nothing after it
			}
			return err
		}
		if line == "" {
			break
		}
		if n > 16 {
			return fmt.Errorf("%w: too many trailing headers", errChunk)
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			return fmt.Errorf("%w: trailer line %q", errChunk, line)
		}
		k = strings.ToLower(strings.TrimSpace(k))
		v = strings.TrimSpace(v)
		if k == "x-amz-trailer-signature" {
			sig = v
			continue
		}
		c.trailer[k] = v
		canon.WriteString(k + ":" + v + "\n")
	}
	if c.signed != nil && c.signed.Payload == sigv4.StreamingPayloadTrailer {
		sum := sha256.Sum256([]byte(canon.String()))
		if !sigv4.EqualSignature(c.signed.TrailerSignature(c.prev, sum[:]), sig) {
			return errChunkSignature
		}
	}
	return nil
}
