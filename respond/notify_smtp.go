package respond

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"
)

// Email sends messages by SMTP (net/smtp): one mail per message, plain text
// in UTF-8, with the message's idempotency key in the Message-ID so mail
// systems and ticket tools that thread or deduplicate by it see a retried
// send as the same mail.
//
// Email uses STARTTLS when the server offers it and TLS is set, and
// authenticates when Auth is set (net/smtp refuses plain authentication
// without TLS except to localhost). SMTP replies 4xx are transient, 5xx
// permanent.
type Email struct {
	// Addr is the server's host:port.
	Addr string
	// From is the sender's address; To the recipients'.
	From string
	To   []string
	// Auth authenticates to the server; none when nil.
	Auth smtp.Auth
	// TLS configures STARTTLS; it is not used when nil.
	TLS *tls.Config
	// Hello is the name sent in EHLO; "localhost" when empty.
	Hello string
	// Clock stamps the Date header; the system clock when nil.
	Clock Clock
}

// String names the notifier.
func (e *Email) String() string { return "email " + e.Addr }

// Notify sends m as one mail to every recipient.
func (e *Email) Notify(ctx context.Context, m Message) error {
	from, err := mail.ParseAddress(e.From)
	if err != nil {
		return Permanent(fmt.Errorf("email from: %w", err))
	}
	if len(e.To) == 0 {
		return Permanent(errors.New("email: no recipients"))
	}
	to := make([]*mail.Address, len(e.To))
	for i, s := range e.To {
		if to[i], err = mail.ParseAddress(s); err != nil {
			return Permanent(fmt.Errorf("email to: %w", err))
		}
	}
	msg, err := e.compose(m, from, to)
	if err != nil {
		return Permanent(err)
	}

	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", e.Addr)
	if err != nil {
		return fmt.Errorf("email: %w", err)
	}
	defer conn.Close()
	// net/smtp has no context: the end of ctx unblocks it through the
	// connection's deadline. Give ctx a deadline; the dispatcher does.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	err = e.send(conn, from, to, msg)
	if ctx.Err() != nil {
		return fmt.Errorf("email: %w (%v)", ctx.Err(), err)
	}
	return err
}

func (e *Email) send(conn net.Conn, from *mail.Address, to []*mail.Address, msg []byte) error {
	host, _, err := net.SplitHostPort(e.Addr)
	if err != nil {
		return Permanent(fmt.Errorf("email addr: %w", err))
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return classifySMTP(err)
	}
	defer c.Close()
	hello := e.Hello
	if hello == "" {
		hello = "localhost"
	}
	if err := c.Hello(hello); err != nil {
		return classifySMTP(err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok && e.TLS != nil {
		if err := c.StartTLS(e.TLS); err != nil {
			return classifySMTP(err)
		}
	}
	if e.Auth != nil {
		if err := c.Auth(e.Auth); err != nil {
			return classifySMTP(err)
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return classifySMTP(err)
	}
	for _, a := range to {
		if err := c.Rcpt(a.Address); err != nil {
			return classifySMTP(err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return classifySMTP(err)
	}
	if _, err := w.Write(msg); err != nil {
		return classifySMTP(err)
	}
	if err := w.Close(); err != nil {
		return classifySMTP(err)
	}
	// The mail is accepted once DATA is; a failed QUIT does not undo it.
	_ = c.Quit()
	return nil
}

// classifySMTP makes 5xx replies permanent; 4xx replies and network
// errors stay transient.
func classifySMTP(err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return Permanent(fmt.Errorf("email: %w", err))
	}
	return fmt.Errorf("email: %w", err)
}

// compose builds the mail: headers, then the text quoted-printable.
func (e *Email) compose(m Message, from *mail.Address, to []*mail.Address) ([]byte, error) {
	var b strings.Builder
	hdr := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	hdr("From", from.String())
	addrs := make([]string, len(to))
	for i, a := range to {
		addrs[i] = a.String()
	}
	hdr("To", strings.Join(addrs, ", "))
	hdr("Subject", mime.QEncoding.Encode("utf-8", oneLine(m.Subject)))
	hdr("Date", clockOr(e.Clock).Now().Format(time.RFC1123Z))
	if m.Key != "" {
		domain := "hark.invalid"
		if i := strings.LastIndexByte(from.Address, '@'); i >= 0 {
			domain = from.Address[i+1:]
		}
		hdr("Message-ID", "<"+oneLine(m.Key)+"@"+oneLine(domain)+">")
		hdr("X-Idempotency-Key", oneLine(m.Key))
	}
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", "text/plain; charset=utf-8")
	hdr("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(m.Text)); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	b.WriteString("\r\n")
	return []byte(b.String()), nil
}
