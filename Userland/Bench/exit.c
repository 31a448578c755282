/*
 * The smallest useful program: exits at once, with status 0 or with the status given as its argument.
 *
 *   exit [STATUS]
 *
 * The spawn benchmark starts it with no argument (a `true`); the harness's tests start it with a non-zero
 * status to check that a failing program is reported as a failure.
 */
#include <stdlib.h>

int main(int argc, char **argv)
{
    return argc > 1 ? atoi(argv[1]) : 0;
}
