/* -Z USER: give up root once the interface is open, as tcpdump does. Live capture run as
 * root switches to USER (default: the dedicated user "wiretab" when it exists) after every
 * input and output is open, so a parser bug in the capture loop runs without privileges
 * and writes only to descriptors it holds; files are created and renamed for it by the
 * output-file broker (file-broker.h), in the places the command line names. */
#pragma once
#include <glib.h>
#include <sys/types.h>

#define WT_PRIVILEGES_DEFAULT_USER "wiretab"

typedef struct {
  gboolean drop;   /* FALSE: keep the current ids (not root, -Z root, no default user) */
  gboolean notice; /* root stays because the default user does not exist: say so */
  char *user;
  uid_t uid;
  gid_t gid;
} WtPrivileges;

/* Decide what -Z means here: `user` is the option's value (NULL: not given); `live`: the
 * input is an interface (the default drop applies to live capture only). FALSE with error
 * when USER does not exist. */
gboolean wt_privileges_resolve(const char *user, gboolean live, WtPrivileges *p,
                               GError **error);
/* Switch to p's user: supplementary groups (initgroups), then gid, then uid; checked with
 * getresuid/getresgid, and that root cannot be regained (setuid(0) must fail). Nothing to
 * do when !p->drop. */
gboolean wt_privileges_drop(const WtPrivileges *p, GError **error);
void wt_privileges_clear(WtPrivileges *p);
/* Run as root through sudo: the invoking user's ids (SUDO_UID, SUDO_GID), who gets the
 * output files. FALSE otherwise. */
gboolean wt_privileges_sudo_owner(uid_t *uid, gid_t *gid);
