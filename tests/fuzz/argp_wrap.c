// SPDX-License-Identifier: GPL-2.0
/*
 * argp_wrap.c - for the fuzzers that parse command lines, linked with
 * --wrap=argp_parse: argp neither exits (--help, an unknown option) nor
 * adds --help and --version; it returns its errors instead, so that one
 * process can parse input after input.
 */
#include <argp.h>

error_t __real_argp_parse(const struct argp *argp, int argc, char **argv,
			  unsigned int flags, int *end_index, void *input);

error_t __wrap_argp_parse(const struct argp *argp, int argc, char **argv,
			  unsigned int flags, int *end_index, void *input);

error_t __wrap_argp_parse(const struct argp *argp, int argc, char **argv,
			  unsigned int flags, int *end_index, void *input)
{
	return __real_argp_parse(argp, argc, argv,
				 flags | ARGP_NO_EXIT | ARGP_NO_HELP,
				 end_index, input);
}
