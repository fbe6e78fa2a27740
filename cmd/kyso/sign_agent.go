package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/internal/signagent"
	"github.com/kyso-vn/kyso/signer"
)

const signAgentUsage = `sign-agent --pkcs11-module LIB --token LABEL --key LABEL [--listen 127.0.0.1:PORT] [--allow-origin URL]... [--pin-env VAR] [--chain FILE]

Runs on the staff member's own machine: signs, with the key on their USB
token (PKCS#11), the digests that kyso's staff console sends it when they
click "Ký bằng USB token" (two-phase signing; see internal/signagent for
the protocol). The PIN is asked once, at start (or read from --pin-env);
it is never logged. The agent listens on loopback only and answers pages
of the allowed console origins only (default: http://127.0.0.1:8080 and
http://localhost:8080, the address of kyso serve). Stop it with Ctrl-C.`

func runSignAgent(ctx context.Context, e *env, args []string) error {
	fs := newFlags("sign-agent", signAgentUsage, e.stdout)
	module := fs.String("pkcs11-module", "", "PKCS#11 library of the token (e.g. /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so)")
	token := fs.String("token", "", "token label")
	key := fs.String("key", "", "label of the key (and of its certificate) on the token")
	listen := fs.String("listen", "127.0.0.1:8765", "loopback address to listen on")
	pinEnv := fs.String("pin-env", "", "environment variable holding the PIN (default: ask on the terminal)")
	chainFile := fs.String("chain", "", "PEM file of the issuing CA certificates (sent to the console with the certificate)")
	var origins multiString
	fs.Var(&origins, "allow-origin", "console origin allowed to call the agent (repeatable)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 0, 0, ""); err != nil {
		return err
	}
	if *module == "" || *token == "" || *key == "" {
		return usageErrorf("--pkcs11-module, --token and --key are required")
	}
	host, _, err := net.SplitHostPort(*listen)
	if err != nil {
		return usageErrorf("--listen %q: %v", *listen, err)
	}
	if ip := net.ParseIP(host); !strings.EqualFold(host, "localhost") && (ip == nil || !ip.IsLoopback()) {
		return usageErrorf("--listen %s: the agent listens on a loopback address only (127.0.0.1 or ::1)", *listen)
	}
	if len(origins) == 0 {
		origins = multiString{"http://127.0.0.1:8080", "http://localhost:8080"}
	}
	for _, o := range origins {
		if !strings.HasPrefix(o, "http://") && !strings.HasPrefix(o, "https://") || strings.Count(o, "/") > 2 && !strings.HasSuffix(o, "/") {
			return usageErrorf("--allow-origin %q: want an origin such as https://motcua.example.gov.vn", o)
		}
	}
	pin, err := readPIN(e, *pinEnv, *token)
	if err != nil {
		return err
	}
	cred, err := signer.OpenPKCS11(signer.PKCS11Config{Module: *module, TokenLabel: *token, KeyLabel: *key, PIN: pin}, nil)
	pin = ""
	if err != nil {
		return withCode(exitFailed, err)
	}
	defer cred.Close()
	if *chainFile != "" {
		if cred.Chain, err = certs.ReadCertificatesFile(*chainFile); err != nil {
			return fmt.Errorf("--chain: %w", err)
		}
	}
	log := slog.New(slog.NewTextHandler(e.stderr, nil))
	agent := &signagent.Agent{Signer: cred.Signer, Certificate: cred.Certificate, Chain: cred.Chain, AllowOrigins: origins, Logger: log}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return withCode(exitFailed, err)
	}
	srv := &http.Server{Handler: agent.Handler(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(e.stdout, "kyso sign-agent: http://%s — key %q (%s, valid until %s) — for %s\n", ln.Addr(), *key,
		cred.Certificate.Subject.CommonName, cred.Certificate.NotAfter.Format("2006-01-02"), strings.Join(origins, ", "))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return withCode(exitFailed, err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return withCode(exitFailed, err)
	}
	return nil
}

// readPIN takes the PIN from the environment variable, or asks on the
// terminal without echo.
func readPIN(e *env, envVar, token string) (string, error) {
	if envVar != "" {
		pin := os.Getenv(envVar)
		if pin == "" {
			return "", usageErrorf("--pin-env: environment variable %s is not set", envVar)
		}
		return pin, nil
	}
	f, ok := e.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		if e.stdin == nil {
			return "", usageErrorf("no terminal to ask the PIN on: use --pin-env VAR")
		}
		// Not a terminal (a pipe): one line.
		fmt.Fprintf(e.stderr, "PIN of token %s: ", token)
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", usageErrorf("no PIN on standard input: use a terminal or --pin-env VAR")
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	fmt.Fprintf(e.stderr, "PIN of token %s: ", token)
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", fmt.Errorf("reading the PIN: %w", err)
	}
	return string(b), nil
}
