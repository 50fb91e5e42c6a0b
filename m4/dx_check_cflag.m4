# DX_CHECK_CFLAG_APPEND(VARIABLE, FLAG)
# -------------------------------------
# Append FLAG to VARIABLE when the C compiler accepts it (with -Werror, so
# that a flag the compiler only warns about is not taken).
AC_DEFUN([DX_CHECK_CFLAG_APPEND], [
  AS_VAR_PUSHDEF([dx_cv], [dx_cv_cflag_$2])
  AC_CACHE_CHECK([whether $CC accepts $2], [dx_cv], [
    dx_save_CFLAGS=$CFLAGS
    CFLAGS="$CFLAGS -Werror $2"
    AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [])],
      [AS_VAR_SET([dx_cv], [yes])], [AS_VAR_SET([dx_cv], [no])])
    CFLAGS=$dx_save_CFLAGS])
  AS_VAR_IF([dx_cv], [yes], [$1="${$1} $2"])
  AS_VAR_POPDEF([dx_cv])
])
