// SPDX-License-Identifier: GPL-2.0
/*
 * share.c - "clonetrace share" (being written).
 */
#include <stdio.h>

#include "subcmd.h"

int ct_share_main(int argc, char **argv)
{
	fprintf(stderr, "clonetrace: 'share' is not available yet\n");
	return 1;
}
