package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"sync"
	"time"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/connectorgen/connectorgen/generator"
	"github.com/connectorgen/connectorgen/generator/ir"
	"github.com/connectorgen/connectorgen/runtime"
)

// runLogin creates or renews a connection in a credential file: it prompts
// for the connection's parameters (secrets without echo), signs in with
// OAuth when the connection has a token parameter, and saves everything.
// Nothing it prints contains a secret.
func runLogin(ctx context.Context, args []string, env *Env) int {
	fs := pflag.NewFlagSet("login", pflag.ContinueOnError)
	storePath := fs.String("store", "", "credential `FILE` to save the connection in (created with mode 0600; default "+defaultStoreHint()+")")
	setName := fs.String("set", "", "connection parameter `SET` to use, for connectors with several (default: ask)")
	device := fs.Bool("device", false, "sign in with the device-code flow (enter a code on another device) instead of a browser")
	redirect := fs.String("redirect-url", "http://127.0.0.1:0/callback", "loopback redirect `URL` registered with the OAuth app (port 0: any free port)")
	noBrowser := fs.Bool("no-browser", false, "print the sign-in URL instead of opening a browser")
	paramFlags := fs.StringArray("param", nil, "parameter value `NAME=VALUE` instead of asking (e.g. token.client_id=...)")
	timeout := fs.Duration("timeout", 5*time.Minute, "how long to wait for the sign-in")
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: connectorgen login [flags] CONNECTOR CONNECTION_NAME\n\n"+
			"Creates or renews the connection CONNECTION_NAME in a credential file: asks for\n"+
			"the connection parameters (secrets are not echoed), signs in with OAuth 2.0 when\n"+
			"the connector uses it (authorization code with PKCE through a loopback redirect,\n"+
			"or --device), and saves values and tokens. Use the file with\n"+
			"`connectorgen call --connection FILE` or runtime.OpenFileStore.\n\nFlags:\n%s", fs.FlagUsages())
	}
	if code, ok := parseFlags(fs, args, env); !ok {
		return code
	}
	if fs.NArg() != 2 {
		fmt.Fprintln(env.Stderr, "connectorgen login: want CONNECTOR and CONNECTION_NAME")
		fs.Usage()
		return ExitUsage
	}
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(env.Stderr, "connectorgen login: "+format+"\n", a...)
		return code
	}
	given := runtime.Values{}
	for _, p := range *paramFlags {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return fail(ExitUsage, "--param %q: want NAME=VALUE", k)
		}
		given[k] = v
	}
	res, ds := generator.Generate(fs.Arg(0), generator.Options{})
	if res == nil {
		ds.Sort().Print(env.Stderr)
		return ExitFail
	}
	name := fs.Arg(1)
	path := *storePath
	if path == "" {
		p, err := defaultStorePath()
		if err != nil {
			return fail(ExitFail, "%v; use --store FILE", err)
		}
		path = p
	}
	store, err := runtime.CreateFileStore(path)
	if err != nil {
		return fail(ExitFail, "%v", err)
	}
	old, err := store.Lookup(ctx, name)
	if err != nil && !errors.Is(err, runtime.ErrConnectionNotFound) {
		return fail(ExitFail, "%v", err)
	}
	l := &login{env: env, in: newPrompter(env), old: old, given: given, vals: runtime.Values{}}

	c := res.Package.Connection
	params := c.Params
	if len(c.Sets) > 0 {
		set, err := l.chooseSet(c, *setName)
		if err != nil {
			return fail(ExitUsage, "%v", err)
		}
		params = set.Params
		l.vals[runtime.ParameterSetKey] = set.Name
	}
	for _, p := range params {
		if p.Kind == ir.ConnGateway {
			return fail(ExitFail, "connection parameter %q: %v", p.Name, runtime.ErrGateway)
		}
	}
	// Plain parameters first: OAuth templates and tenants read them.
	for _, p := range params {
		if p.Kind != ir.ConnOAuthToken {
			if err := l.ask(p); err != nil {
				return fail(ExitFail, "%v", err)
			}
		}
	}
	for _, p := range params {
		if p.Kind == ir.ConnOAuthToken {
			sctx, cancel := context.WithTimeout(ctx, *timeout)
			err := l.signIn(sctx, p, *device, *redirect, *noBrowser)
			cancel()
			if err != nil {
				return fail(ExitFail, "%v", err)
			}
		}
	}
	if err := store.Update(ctx, name, l.vals); err != nil {
		return fail(ExitFail, "saving the connection: %v", err)
	}
	fmt.Fprintf(env.Stderr, "connectorgen login: connection %q saved in %s\n", name, path)
	return ExitOK
}

// login holds the values entered so far.
type login struct {
	env   *Env
	in    *prompter
	old   runtime.Values // the connection's stored values, offered as defaults
	given runtime.Values // --param values
	vals  runtime.Values // what will be saved
}

func (l *login) chooseSet(c *ir.Connection, name string) (*ir.ConnSet, error) {
	if name == "" {
		name = l.given[runtime.ParameterSetKey]
	}
	if name == "" && len(c.Sets) > 0 {
		fmt.Fprintln(l.env.Stderr, "Connection parameter sets:")
		def := ""
		for i, s := range c.Sets {
			label := s.Name
			if s.DisplayName != "" {
				label += " (" + s.DisplayName + ")"
			}
			fmt.Fprintf(l.env.Stderr, "  %d. %s\n", i+1, label)
			if strings.EqualFold(s.Name, l.old[runtime.ParameterSetKey]) {
				def = s.Name
			}
		}
		answer, err := l.in.line(fmt.Sprintf("Parameter set (number or name)%s: ", hint(def)))
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		name = strings.TrimSpace(answer)
		if name == "" {
			name = def
		}
		var n int
		if _, err := fmt.Sscanf(name, "%d", &n); err == nil && n >= 1 && n <= len(c.Sets) && fmt.Sprint(n) == name {
			name = c.Sets[n-1].Name
		}
	}
	return FindSet(c, name)
}

func hint(def string) string {
	if def == "" {
		return ""
	}
	return " [" + def + "]"
}

// ask obtains one parameter: from --param, else from the terminal (hidden
// parameters are not asked), with the stored value or the connector's
// default offered when Enter is pressed.
func (l *login) ask(p *ir.ConnParam) error {
	if v, ok := l.given[p.Name]; ok {
		l.vals[p.Name] = v
		return nil
	}
	def := l.old[p.Name]
	if def == "" && p.HasDefault {
		def = p.Default
	}
	if p.Hidden {
		if def != "" {
			l.vals[p.Name] = def
		}
		return nil
	}
	label := p.DisplayName
	if label == "" {
		label = p.Name
	} else {
		label += " (" + p.Name + ")"
	}
	if len(p.AllowedValues) > 0 {
		label += " {" + strings.Join(p.AllowedValues, ", ") + "}"
	}
	v, err := l.prompt(label, def, p.Kind == ir.ConnSecret, p.Required)
	if err != nil {
		return err
	}
	if v != "" {
		l.vals[p.Name] = v
	}
	return nil
}

// prompt asks for one value. A secret is read without echo on a terminal,
// and its stored value is never shown: Enter keeps it.
func (l *login) prompt(label, def string, secret, required bool) (string, error) {
	for range 3 {
		shown := hint(def)
		if secret && def != "" {
			shown = " [stored; Enter keeps it]"
		}
		if !required && def == "" {
			shown = " (optional)"
		}
		var v string
		var err error
		if secret {
			v, err = l.in.secret(label + shown + ": ")
		} else {
			v, err = l.in.line(label + shown + ": ")
		}
		v = strings.TrimSpace(v)
		if v == "" {
			v = def
		}
		if v != "" || !required {
			return v, nil
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return "", fmt.Errorf("%s: a value is required (input ended)", label)
			}
			return "", err
		}
		fmt.Fprintf(l.env.Stderr, "%s is required.\n", label)
	}
	return "", fmt.Errorf("%s: a value is required", label)
}

// value returns a value entered or given so far (or stored).
func (l *login) value(key string) string {
	if v, ok := l.given[key]; ok {
		return v
	}
	if v, ok := l.vals[key]; ok {
		return v
	}
	return ""
}

// signIn obtains the token of an OAuth parameter and adds it, with the
// client credentials used, to the values to save.
func (l *login) signIn(ctx context.Context, p *ir.ConnParam, device bool, redirect string, noBrowser bool) error {
	if p.OAuth == nil {
		tok, err := l.given[p.Name], error(nil)
		if tok == "" {
			tok, err = l.prompt("Access token for "+p.Name+" (the connector declares no OAuth settings)", l.old[p.Name], true, true)
		}
		l.vals[p.Name] = tok
		return err
	}
	s := RuntimeOAuth(p.Name, p.OAuth)
	if err := l.clientCredentials(p, s); err != nil {
		return err
	}
	all := runtime.Values{}
	for k, v := range l.vals {
		all[k] = v
	}
	flow := &runtime.OAuthFlow{Settings: s, Values: all}
	var tok runtime.Values
	var err error
	switch {
	case s.GrantType == runtime.GrantClientCredentials:
		tok, err = flow.ClientCredentials(ctx)
	case device:
		tok, err = l.device(ctx, flow)
	default:
		tok, err = l.browser(ctx, flow, redirect, noBrowser)
	}
	if err != nil {
		return err
	}
	for k, v := range tok {
		l.vals[k] = v
	}
	fmt.Fprintf(l.env.Stderr, "Signed in (%s).\n", s.Provider)
	return nil
}

// clientCredentials asks for the OAuth client: its ID (the connector's, if
// real, is offered), a secret or, for aadcertificate, a certificate; the
// connector's own <param>:clientId / <param>:clientSecret parameters, when
// it has them, were asked already.
func (l *login) clientCredentials(p *ir.ConnParam, s *runtime.OAuthSettings) error {
	has := func(sub string) bool {
		for k := range l.vals {
			if strings.EqualFold(k, p.Name+":"+sub) {
				return true
			}
		}
		return false
	}
	needID, needSecret := s.NeedsClient()
	if (s.Kind == runtime.AAD || s.Kind == runtime.AADCertificate) && s.ResourceURI == "" && len(s.Scopes) == 0 && !has("resourceUri") {
		key := p.Name + runtime.KeyResource
		v := l.value(key)
		if v == "" {
			var err error
			if v, err = l.prompt("Resource (application ID URI) the token is for ("+key+")", l.old[key], false, true); err != nil {
				return err
			}
		}
		l.vals[key] = v
	}
	if needID && !has("clientId") {
		key := p.Name + runtime.KeyClientID
		def := firstNonEmptyStr(l.old[key], s.ClientID)
		v := l.value(key)
		if v == "" {
			var err error
			if v, err = l.prompt("OAuth client ID ("+key+")", def, false, true); err != nil {
				return err
			}
		}
		l.vals[key] = v
	}
	if s.Kind == runtime.AADCertificate {
		key := p.Name + runtime.KeyClientCertificate
		pemText := l.value(key)
		if pemText == "" {
			file, err := l.prompt("Client certificate: PEM file with the certificate and its private key", "", false, l.old[key] == "")
			if err != nil {
				return err
			}
			if file == "" {
				pemText = l.old[key]
			} else {
				b, err := os.ReadFile(file)
				if err != nil {
					return err
				}
				pemText = string(b)
			}
		}
		if _, _, err := runtime.ParseClientCertificate([]byte(pemText)); err != nil {
			return fmt.Errorf("client certificate: %w", err)
		}
		l.vals[key] = pemText
		return nil
	}
	if needSecret && !has("clientSecret") {
		key := p.Name + runtime.KeyClientSecret
		v, given := l.given[key]
		if !given {
			var err error
			required := s.GrantType == runtime.GrantClientCredentials
			if v, err = l.prompt("OAuth client secret ("+key+"; empty for a public client)", l.old[key], true, required); err != nil {
				return err
			}
		}
		if v != "" {
			l.vals[key] = v
		}
	}
	return nil
}

func firstNonEmptyStr(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// device runs the device-code flow: the user enters a code at a URL.
func (l *login) device(ctx context.Context, flow *runtime.OAuthFlow) (runtime.Values, error) {
	da, err := flow.DeviceAuth(ctx)
	if err != nil {
		return nil, err
	}
	if da.VerificationURIComplete != "" {
		fmt.Fprintf(l.env.Stderr, "To sign in, open %s\n(or open %s and enter the code %s)\n", da.VerificationURIComplete, da.VerificationURI, da.UserCode)
	} else {
		fmt.Fprintf(l.env.Stderr, "To sign in, open %s and enter the code %s\n", da.VerificationURI, da.UserCode)
	}
	return flow.DeviceToken(ctx, da)
}

// browser runs the authorization-code flow with PKCE: a loopback listener
// receives the redirect (RFC 8252).
func (l *login) browser(ctx context.Context, flow *runtime.OAuthFlow, redirect string, noBrowser bool) (runtime.Values, error) {
	ru, err := url.Parse(redirect)
	if err != nil || ru.Scheme != "http" || ru.Host == "" {
		return nil, fmt.Errorf("--redirect-url %q: want a loopback http URL such as http://127.0.0.1:0/callback", redirect)
	}
	host := ru.Hostname()
	if host == "localhost" {
		host = "127.0.0.1"
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("--redirect-url %q: the host must be a loopback address", redirect)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, ru.Port()))
	if err != nil {
		return nil, err
	}
	defer ln.Close()
	if ru.Port() == "0" || ru.Port() == "" {
		ru.Host = net.JoinHostPort(ru.Hostname(), fmt.Sprint(ln.Addr().(*net.TCPAddr).Port))
	}
	if ru.Path == "" {
		ru.Path = "/"
	}
	flow.RedirectURL = ru.String()
	authURL, err := flow.AuthCodeURL()
	if err != nil {
		return nil, err
	}

	type result struct {
		vals runtime.Values
		err  error
	}
	done := make(chan result, 1)
	var once sync.Once // one exchange: the code works once
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != ru.Path {
			http.NotFound(w, r)
			return
		}
		if !flow.ForThisSignIn(r.URL.Query()) {
			// Not this sign-in's redirect: answered, and the sign-in
			// goes on waiting for the right one.
			http.Error(w, "this is not the redirect of the sign-in in progress", http.StatusBadRequest)
			return
		}
		handled := false
		once.Do(func() { handled = true })
		if !handled {
			http.Error(w, "the sign-in has already received its redirect", http.StatusConflict)
			return
		}
		vals, err := flow.Exchange(r.Context(), r.URL.Query())
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, "<p>Sign-in failed: %s</p>", html.EscapeString(err.Error()))
		} else {
			fmt.Fprint(w, "<p>Signed in. You can close this window and return to the terminal.</p>")
		}
		select {
		case done <- result{vals, err}:
		default:
		}
	})}
	go srv.Serve(ln)
	defer srv.Close()

	fmt.Fprintf(l.env.Stderr, "Open this URL in a browser to sign in:\n\n  %s\n\nWaiting for the redirect to %s ...\n", authURL, flow.RedirectURL)
	if !noBrowser && l.env.OpenURL != nil {
		if err := l.env.OpenURL(authURL); err != nil {
			fmt.Fprintf(l.env.Stderr, "(could not open a browser: %v)\n", err)
		}
	}
	select {
	case r := <-done:
		return r.vals, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for the sign-in: %w", ctx.Err())
	}
}

// prompter reads answers from the terminal (or any reader).
type prompter struct {
	env *Env
	r   *bufio.Reader
	fd  int // stdin's descriptor when it is a terminal, else -1
}

func newPrompter(env *Env) *prompter {
	p := &prompter{env: env, r: bufio.NewReader(env.Stdin), fd: -1}
	if f, ok := env.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.fd = int(f.Fd())
	}
	return p
}

func (p *prompter) line(prompt string) (string, error) {
	fmt.Fprint(p.env.Stderr, prompt)
	s, err := p.r.ReadString('\n')
	if err != nil && s == "" {
		fmt.Fprintln(p.env.Stderr)
		return "", err
	}
	return strings.TrimRight(s, "\r\n"), nil
}

// secret reads a line without echo when stdin is a terminal.
func (p *prompter) secret(prompt string) (string, error) {
	if p.fd < 0 {
		return p.line(prompt)
	}
	fmt.Fprint(p.env.Stderr, prompt)
	b, err := term.ReadPassword(p.fd)
	fmt.Fprintln(p.env.Stderr)
	return string(b), err
}

// defaultStorePath is the credential file login uses without --store.
func defaultStorePath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "connectorgen", "connections.json"), nil
}

func defaultStoreHint() string {
	if p, err := defaultStorePath(); err == nil {
		return p
	}
	return "connectorgen/connections.json in the user config directory"
}

// openBrowser opens u with the system's URL handler.
func openBrowser(u string) error {
	var cmd *exec.Cmd
	switch goruntime.GOOS {
	case "darwin":
		cmd = exec.Command("open", u)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", u)
	default:
		cmd = exec.Command("xdg-open", u)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait()
	return nil
}
