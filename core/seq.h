/*
 * seq - which sequence number a command is for, and the most recently
 * processed one (mrseq, in the extension directory; waagent copies it to
 * the new version's directory on update).
 */
#ifndef DX_SEQ_H
#define DX_SEQ_H

#include <stddef.h>

/* The ConfigSequenceNumber environment variable; only when it is absent,
   the highest N of <config_folder>/N.settings.  DX_ERR_SETTINGS with a
   message when the variable is not a number or no settings file exists. */
int seq_current(const char *config_folder, unsigned long *out, char *msg,
                size_t msgsize);

/* Parse a decimal sequence number (digits only, no sign, fits). */
int seq_parse(const char *text, unsigned long *out);

/* <dir>/mrseq: DX_OK, or DX_ERR_IO when absent or unreadable. */
int seq_read_mrseq(const char *dir, unsigned long *out);
int seq_write_mrseq(const char *dir, unsigned long seq);

#endif
