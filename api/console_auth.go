package api

import (
	"errors"
	"net/http"
	"strings"
)

type loginView struct {
	Username string
	Next     string
}

// loginForm shows the login page (or goes on when already logged in).
func (c *console) loginForm(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.URL.Query().Get("next"))
	if next == "/" {
		next = "/console"
	}
	if p := principalFrom(r.Context()); p != nil && p.Staff != nil && p.Session != "" {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	c.render(w, r, http.StatusOK, "login", consolePage{Title: "Đăng nhập", Body: loginView{Next: next}})
}

// loginSubmit checks the password (s.login: lockout, per-IP limit, origin
// check, evidence) and goes to next.
func (c *console) loginSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		c.render(w, r, http.StatusBadRequest, "login", consolePage{Title: "Đăng nhập", Error: "Biểu mẫu đăng nhập không hợp lệ.", Body: loginView{Next: "/console"}})
		return
	}
	username := strings.TrimSpace(r.PostForm.Get("username"))
	next := localPath(r.PostForm.Get("next"))
	if next == "/" || strings.HasPrefix(next, "/login") {
		next = "/console"
	}
	view := loginView{Username: username, Next: next}
	if username == "" || r.PostForm.Get("password") == "" {
		c.render(w, r, http.StatusUnprocessableEntity, "login", consolePage{Title: "Đăng nhập", Error: "Hãy nhập tên đăng nhập và mật khẩu.", Body: view})
		return
	}
	err := c.s.login(r.Context(), w, r, username, r.PostForm.Get("password"))
	if err == nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	status, msg := loginError(c, err)
	if status >= 500 {
		c.s.logger.ErrorContext(r.Context(), "console login failed", "err", err)
	}
	c.render(w, r, status, "login", consolePage{Title: "Đăng nhập", Error: msg, Body: view})
}

// loginError says in Vietnamese why a login was refused.
func loginError(c *console, err error) (int, string) {
	var locked *LockedError
	switch {
	case errors.As(err, &locked):
		return http.StatusLocked, "Tài khoản tạm thời bị khóa do đăng nhập sai nhiều lần liên tiếp. Hãy thử lại sau " +
			c.formatTime(locked.Until) + " hoặc liên hệ quản trị hệ thống."
	case errors.Is(err, ErrBadCredentials):
		return http.StatusUnauthorized, "Tên đăng nhập hoặc mật khẩu không đúng."
	case errors.Is(err, ErrTooManyAttempts):
		return http.StatusTooManyRequests, "Có quá nhiều lần đăng nhập từ địa chỉ này. Hãy thử lại sau ít phút."
	case errors.Is(err, ErrCrossSite):
		return http.StatusForbidden, "Yêu cầu đăng nhập không đến từ trang này; hãy mở lại trang đăng nhập."
	}
	return http.StatusInternalServerError, "Lỗi hệ thống khi đăng nhập; hãy thử lại sau."
}

// logoutSubmit ends the session.
func (c *console) logoutSubmit(w http.ResponseWriter, r *http.Request) {
	c.s.logout(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
