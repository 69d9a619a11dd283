package logbuf

import (
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// AccessFunc logs one answered request.
type AccessFunc func(method, path string, status int, d time.Duration, requestID, operation, client string)

// Access returns an AccessFunc that writes to b the line that
// slog.Info("request", "method", …, "path", …, "status", …, "duration", …,
// "request_id", …, "operation", …, "client", …) would, through slog's TextHandler or, for format "json",
// its JSONHandler: the same keys and values, appended by hand. slog's
// generic attribute handling cost about a tenth of a small request.
func Access(b *Writer, format string) AccessFunc {
	json := format == "json"
	return func(method, path string, status int, d time.Duration, requestID, operation, client string) {
		p := lines.Get().(*[]byte)
		line := (*p)[:0]
		if json {
			line = appendJSONAccess(line, time.Now(), method, path, status, d, requestID, operation, client)
		} else {
			line = appendTextAccess(line, time.Now(), method, path, status, d, requestID, operation, client)
		}
		_, _ = b.Write(line)
		*p = line
		lines.Put(p)
	}
}

// lines recycles the buffers lines are appended to.
var lines = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// rfc3339Millis is the time format of slog's handlers.
const rfc3339Millis = "2006-01-02T15:04:05.000Z07:00"

func appendTextAccess(b []byte, t time.Time, method, path string, status int, d time.Duration, id, operation, client string) []byte {
	b = append(b, "time="...)
	b = t.AppendFormat(b, rfc3339Millis)
	b = append(b, " level=INFO msg=request method="...)
	b = appendTextValue(b, method)
	b = append(b, " path="...)
	b = appendTextValue(b, path)
	b = append(b, " status="...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, " duration="...)
	b = append(b, d.String()...)
	b = append(b, " request_id="...)
	b = appendTextValue(b, id)
	b = append(b, " operation="...)
	b = appendTextValue(b, operation)
	b = append(b, " client="...)
	b = appendTextValue(b, client)
	return append(b, '\n')
}

// appendTextValue quotes s as slog's TextHandler does when s is empty or
// holds a space, '=', '"' or anything but printable ASCII (slog also leaves
// printable non-ASCII unquoted; quoting it too is as readable, and safe).
func appendTextValue(b []byte, s string) []byte {
	if s == "" {
		return append(b, `""`...)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == '=' || c == '"' || c >= utf8.RuneSelf {
			return strconv.AppendQuote(b, s)
		}
	}
	return append(b, s...)
}

func appendJSONAccess(b []byte, t time.Time, method, path string, status int, d time.Duration, id, operation, client string) []byte {
	b = append(b, `{"time":"`...)
	b = t.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","level":"INFO","msg":"request","method":`...)
	b = appendJSONString(b, method)
	b = append(b, `,"path":`...)
	b = appendJSONString(b, path)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, `,"duration":`...)
	b = strconv.AppendInt(b, int64(d), 10)
	b = append(b, `,"request_id":`...)
	b = appendJSONString(b, id)
	b = append(b, `,"operation":`...)
	b = appendJSONString(b, operation)
	b = append(b, `,"client":`...)
	b = appendJSONString(b, client)
	return append(b, "}\n"...)
}

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r < ' ':
			b = append(b, '\\', 'u', '0', '0', hex[r>>4], hex[r&15])
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}
