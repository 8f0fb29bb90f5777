/* cmd_mime.h: `mailspec mime FILE.eml`, the MIME debugging tool. */
#ifndef MAILSPEC_CMD_MIME_H
#define MAILSPEC_CMD_MIME_H

/* Run `mailspec mime [options] FILE` (argv[0] is "mime"); returns the
 * exit status: 0 done, 1 the part asked for cannot be given, 3 the file
 * cannot be read, 4 usage error. */
int cmd_mime(int argc, char **argv);

#endif
