/*
 * cli - the commands for people (not waagent): validate, and the help
 * texts of every command.
 */
#ifndef DX_CLI_H
#define DX_CLI_H

#include <stdio.h>

/* docker-extension validate [--protected FILE] SETTINGS.json
   Returns the process exit code, as cloud-init's status does: 0 valid,
   1 errors, 2 warnings only. */
int cli_validate(int argc, char **argv);

/* Print the help of `command` to `to`; 0 when there is one. */
int cli_help(const char *command, FILE *to);

#endif
