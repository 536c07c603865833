/* The output-file broker of a run that drops root. See file-broker.h. */
#include "analyzer/cli/file-broker.h"
#include "analyzer/output/atomic-file.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

enum { OP_CREATE = 1, OP_COMMIT, OP_DISCARD };

typedef struct {
  guint32 op;
  guint32 dir;   /* OP_CREATE: index of the allowed directory */
  guint32 id;    /* OP_COMMIT, OP_DISCARD */
  char name[256];
} Request;

typedef struct {
  gint32 err;    /* 0 or an errno */
  guint32 id;
  char temp[256];
} Reply;

typedef struct {
  char *dir;
  char *name;    /* NULL: any name with the suffix */
  char *suffix;  /* NULL: any name */
  int fd;        /* the broker's descriptor of dir, opened at first use */
} Allowed;

typedef struct {
  guint dir;
  char *temp, *name;
  gboolean done;
} Entry;

struct WtFileBroker {
  GArray *allowed;     /* Allowed */
  gboolean chown_files;
  uid_t uid;
  gid_t gid;
  int sock;            /* the capture process's end */
  GMutex lock;
};

WtFileBroker *wt_file_broker_new(void)
{
  WtFileBroker *b = g_new0(WtFileBroker, 1);
  b->allowed = g_array_new(FALSE, TRUE, sizeof(Allowed));
  b->sock = -1;
  g_mutex_init(&b->lock);
  return b;
}

void wt_file_broker_free(WtFileBroker *b)
{
  if (!b)
    return;
  for (guint i = 0; i < b->allowed->len; i++) {
    Allowed *a = &g_array_index(b->allowed, Allowed, i);
    g_free(a->dir);
    g_free(a->name);
    g_free(a->suffix);
    if (a->fd >= 0)
      close(a->fd);
  }
  g_array_free(b->allowed, TRUE);
  if (b->sock >= 0)
    close(b->sock);
  g_mutex_clear(&b->lock);
  g_free(b);
}

void wt_file_broker_set_owner(WtFileBroker *b, uid_t uid, gid_t gid)
{
  b->chown_files = TRUE;
  b->uid = uid;
  b->gid = gid;
}

void wt_file_broker_allow(WtFileBroker *b, const char *dir, const char *name,
                          const char *suffix)
{
  Allowed a = { .dir = g_strdup(dir), .name = g_strdup(name), .suffix = g_strdup(suffix),
                .fd = -1 };
  g_array_append_val(b->allowed, a);
}

static gboolean name_allowed(const Allowed *a, const char *name)
{
  size_t n = strlen(name);
  if (n == 0 || n >= 200 || name[0] == '.' || strchr(name, '/'))
    return FALSE;
  if (a->name)
    return strcmp(a->name, name) == 0;
  return !a->suffix || g_str_has_suffix(name, a->suffix);
}

/* --- the broker process ------------------------------------------------------------- */

static int create_temp(WtFileBroker *b, GPtrArray *entries, const Request *rq, Reply *rp)
{
  if (rq->dir >= b->allowed->len)
    return (rp->err = EPERM), -1;
  Allowed *a = &g_array_index(b->allowed, Allowed, rq->dir);
  char name[sizeof rq->name + 1];
  memcpy(name, rq->name, sizeof rq->name);
  name[sizeof rq->name] = '\0';
  if (!name_allowed(a, name))
    return (rp->err = EPERM), -1;
  if (a->fd < 0 && (a->fd = open(a->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    return (rp->err = errno), -1;
  g_autofree char *temp = g_strdup_printf(".%s.XXXXXX", name);
  int fd = -1;
  for (int tries = 0; fd < 0 && tries < 100; tries++) {
    static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    char *x = temp + strlen(temp) - 6;
    for (int i = 0; i < 6; i++)
      x[i] = chars[g_random_int_range(0, (int) sizeof chars - 1)];
    fd = openat(a->fd, temp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST)
      break;
  }
  if (fd < 0)
    return (rp->err = errno), -1;
  if (b->chown_files && fchown(fd, b->uid, b->gid) != 0) {
    rp->err = errno;
    unlinkat(a->fd, temp, 0);
    close(fd);
    return -1;
  }
  Entry *e = g_new0(Entry, 1);
  e->dir = rq->dir;
  e->temp = g_strdup(temp);
  e->name = g_strdup(name);
  g_ptr_array_add(entries, e);
  rp->id = entries->len - 1;
  g_strlcpy(rp->temp, temp, sizeof rp->temp);
  return fd;
}

static void finish(WtFileBroker *b, GPtrArray *entries, const Request *rq, Reply *rp)
{
  if (rq->id >= entries->len || ((Entry *) entries->pdata[rq->id])->done) {
    rp->err = EPERM;
    return;
  }
  Entry *e = entries->pdata[rq->id];
  int dfd = g_array_index(b->allowed, Allowed, e->dir).fd;
  e->done = TRUE;
  if (rq->op == OP_COMMIT && renameat(dfd, e->temp, dfd, e->name) != 0)
    rp->err = errno; /* the complete file stays under its temporary name */
  else if (rq->op == OP_DISCARD)
    unlinkat(dfd, e->temp, 0);
}

static G_NORETURN void serve(WtFileBroker *b, int sock)
{
  GPtrArray *entries = g_ptr_array_new();
  for (;;) {
    Request rq;
    ssize_t n = recv(sock, &rq, sizeof rq, 0);
    if (n == -1 && errno == EINTR)
      continue;
    if (n != (ssize_t) sizeof rq)
      break; /* the capture process is gone */
    Reply rp = { 0 };
    int fd = -1;
    if (rq.op == OP_CREATE)
      fd = create_temp(b, entries, &rq, &rp);
    else if (rq.op == OP_COMMIT || rq.op == OP_DISCARD)
      finish(b, entries, &rq, &rp);
    else
      rp.err = EINVAL;
    struct iovec iov = { .iov_base = &rp, .iov_len = sizeof rp };
    union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } ctl;
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (fd >= 0) {
      memset(&ctl, 0, sizeof ctl);
      msg.msg_control = ctl.buf;
      msg.msg_controllen = sizeof ctl.buf;
      struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int));
      memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    ssize_t sent = sendmsg(sock, &msg, MSG_NOSIGNAL);
    if (fd >= 0)
      close(fd);
    if (sent < 0)
      break;
  }
  /* Killed or ended without committing: no partial file is left behind. */
  for (guint i = 0; i < entries->len; i++) {
    Entry *e = entries->pdata[i];
    if (!e->done)
      unlinkat(g_array_index(b->allowed, Allowed, e->dir).fd, e->temp, 0);
  }
  _exit(0);
}

/* --- the capture process's side ------------------------------------------------------- */

static int call(WtFileBroker *b, const Request *rq, Reply *rp, int *fd)
{
  g_mutex_lock(&b->lock);
  ssize_t n = send(b->sock, rq, sizeof *rq, MSG_NOSIGNAL);
  union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } ctl;
  struct iovec iov = { .iov_base = rp, .iov_len = sizeof *rp };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
                        .msg_controllen = sizeof ctl.buf };
  if (n == (ssize_t) sizeof *rq) {
    do
      n = recvmsg(b->sock, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
  }
  g_mutex_unlock(&b->lock);
  if (n != (ssize_t) sizeof *rp)
    return EPIPE;
  if (fd) {
    *fd = -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
        memcpy(fd, CMSG_DATA(c), sizeof *fd);
  }
  return rp->err;
}

static gboolean same_dir(const char *a, const char *b)
{
  char ra[PATH_MAX], rb[PATH_MAX];
  if (strcmp(a, b) == 0)
    return TRUE;
  return realpath(a, ra) && realpath(b, rb) && strcmp(ra, rb) == 0;
}

/* The registration serving NAME in DIR, or -1. */
static int served_by(const WtFileBroker *b, const char *dir, const char *name)
{
  for (guint i = 0; i < b->allowed->len; i++) {
    const Allowed *a = &g_array_index(b->allowed, Allowed, i);
    if (name_allowed(a, name) && same_dir(a->dir, dir))
      return (int) i;
  }
  return -1;
}

gboolean wt_file_broker_serves(const WtFileBroker *b, const char *dir, const char *name)
{
  return served_by(b, dir, name) >= 0;
}

static int client_create(gpointer data, const char *dir, const char *name, char **temp,
                         guint *id)
{
  WtFileBroker *b = data;
  int i = served_by(b, dir, name);
  if (i >= 0) {
    Request rq = { .op = OP_CREATE, .dir = (guint) i };
    g_strlcpy(rq.name, name, sizeof rq.name);
    Reply rp;
    int fd = -1;
    int e = call(b, &rq, &rp, &fd);
    if (e == 0 && fd < 0)
      e = EIO;
    if (e != 0) {
      errno = e;
      return -1;
    }
    *temp = g_build_filename(dir, rp.temp, NULL);
    *id = rp.id;
    return fd;
  }
  return -2; /* not a registered output: created by this process */
}

static int client_commit(gpointer data, guint id)
{
  Request rq = { .op = OP_COMMIT, .id = id };
  Reply rp;
  return call(data, &rq, &rp, NULL);
}

static void client_discard(gpointer data, guint id)
{
  Request rq = { .op = OP_DISCARD, .id = id };
  Reply rp;
  call(data, &rq, &rp, NULL);
}

gboolean wt_file_broker_start(WtFileBroker *b, GError **error)
{
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
                _("cannot start the output-file helper: %s"), g_strerror(errno));
    return FALSE;
  }
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(sv[0]);
    close(sv[1]);
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e),
                _("cannot start the output-file helper: %s"), g_strerror(e));
    return FALSE;
  }
  if (pid == 0) {
    /* Ctrl-C reaches the whole process group: the capture process stops and commits its
     * files; the broker ends when the capture process closes its end. */
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    close(sv[0]);
    /* not the report's or -w -'s stream: a reader sees its end when the capture ends */
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
      dup2(null, STDIN_FILENO);
      dup2(null, STDOUT_FILENO);
      close(null);
    }
    serve(b, sv[1]);
  }
  close(sv[1]);
  b->sock = sv[0];
  WtAtomicBroker ab = { .create = client_create, .commit = client_commit,
                        .discard = client_discard, .data = b };
  wt_atomic_files_set_broker(&ab);
  return TRUE;
}
