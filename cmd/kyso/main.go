// Command kyso is the one binary of kyso: document signing, verification and
// the evidence log of a provincial one-stop public-service centre.
//
// Exit codes are a contract shared by every command:
//
//	0  success; the document is valid
//	1  checked and failed (e.g. an invalid signature)
//	2  usage error or unreadable input
//	3  indeterminate: could not decide (unknown trust or revocation)
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
)

// Exit codes.
const (
	exitOK            = 0
	exitFailed        = 1
	exitUsage         = 2
	exitIndeterminate = 3
)

// env is what a command gets to work with; tests build one in memory.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	data   string // value of a leading --data flag, "" when not given
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

func commands() []command {
	return []command{
		{"sign", "sign a PDF (PAdES B-B to B-LTA), or prepare/complete an external signature", runSign},
		{"verify", "validate every signature of a PDF and what changed after each", runVerify},
		{"digitize", "scans to one PDF/A per paper document, TT 01/2023 metadata, OCR, signing", runDigitize},
		{"sign-agent", "local agent: sign the console's digests with a USB token (PKCS#11)", runSignAgent},
		{"storage", "object and metadata stores: check (WORM), verify, gc, ingest, get", runStorage},
		{"log", "evidence log: verify, checkpoint, prove, check-proof", runLog},
		{"report", "monthly report per unit and procedure, and the list of late dossiers", runReport},
		{"archive", "BagIt packages of closed dossiers: verify offline", runArchive},
		{"migrate", "apply the database schema migrations", runMigrate},
		{"pki", "development PKI: init, serve responders, revoke, show", runPKI},
		{"calendar", "working time: deadlines (working hours/days, intake) and holidays", runCalendar},
		{"demo", "seed a development scenario: five provinces, staff, dossiers in every state", runDemo},
		{"serve", "serve the API, the staff console and the public verification pages", runServe},
		{"token", "API tokens for integrations: create, list, revoke", runToken},
		{"user", "staff accounts: set a password", runUser},
		{"version", "print the version", runVersion},
		{"help", "show help for a command", nil},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr})
	stop()
	os.Exit(code)
}

// run executes one command line and returns the exit code.
func run(ctx context.Context, args []string, e *env) int {
	// Leading global flags: --data DIR.
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		switch {
		case args[0] == "--data" || args[0] == "-data":
			if len(args) < 2 {
				return report(e, "", usageErrorf("--data needs a directory"))
			}
			e.data, args = args[1], args[2:]
		case strings.HasPrefix(args[0], "--data="):
			e.data, args = strings.TrimPrefix(args[0], "--data="), args[1:]
		case args[0] == "-h" || args[0] == "--help":
			args = []string{"help"}
		case args[0] == "--version":
			args = []string{"version"}
		default:
			return report(e, "", usageErrorf("unknown global flag %s (see kyso help)", args[0]))
		}
	}
	if len(args) == 0 {
		printHelp(e.stderr)
		return exitUsage
	}
	name := args[0]
	if name == "help" {
		if len(args) > 1 {
			return run(ctx, []string{args[1], "--help"}, e)
		}
		printHelp(e.stdout)
		return exitOK
	}
	i := slices.IndexFunc(commands(), func(c command) bool { return c.name == name })
	if i < 0 {
		return report(e, "", usageErrorf("unknown command %q (see kyso help)", name))
	}
	return report(e, name, commands()[i].run(ctx, e, args[1:]))
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "kyso — document signatures, validity and evidence for one-stop public services")
	fmt.Fprintln(w, "\nUsage: kyso [--data DIR] COMMAND [ARGS]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nThe data directory is ./kyso-data unless --data or KYSO_DATA says otherwise.")
	fmt.Fprintln(w, "Exit codes: 0 ok/valid, 1 checked and failed, 2 usage or unreadable input, 3 indeterminate.")
}

// exitError carries an exit code with the error that caused it.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageErrorf makes an error that exits with code 2.
func usageErrorf(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// withCode attaches an exit code to err (nil stays nil).
func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

// errHelp means help was printed on request.
var errHelp = errors.New("help requested")

// report prints err as one line on stderr and returns its exit code.
func report(e *env, cmd string, err error) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, errHelp) {
		return exitOK
	}
	code := exitUsage
	var xe *exitError
	if errors.As(err, &xe) {
		code = xe.code
	}
	prefix := "kyso"
	if cmd != "" {
		prefix += " " + cmd
	}
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	fmt.Fprintf(e.stderr, "%s: %s\n", prefix, msg)
	return code
}
