// SPDX-License-Identifier: GPL-2.0
/*
 * report.c - "clonetrace report" (being written).
 */
#include <stdio.h>

#include "subcmd.h"

int ct_report_main(int argc, char **argv)
{
	fprintf(stderr, "clonetrace: 'report' is not available yet\n");
	return 1;
}
