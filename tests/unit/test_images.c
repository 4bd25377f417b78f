/* Unit tests of images/: references, digests, whiteouts, path checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "layers.h"
#include "ref.h"
#include "store.h"

int main(void)
{
	return 0;
}
