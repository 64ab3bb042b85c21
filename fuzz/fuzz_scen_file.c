/* fuzz_scen_file — the scenario parser on arbitrary bytes. */
#include "fuzz.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "../scenarios/scen_file.h"

int fuzz_scen_file_one(const uint8_t *data, size_t size)
{
    char error[1024];
    scen_t *scen = malloc(sizeof(*scen));
    int rc;

    /* A scenario is too large for a small stack; malloc failing is not a
     * finding. */
    if (scen == NULL) {
        return 0;
    }

    /* Text may hold NUL bytes: the parser gets the length, not a string. */
    rc = scen_file_load_text(FUZZ_SCEN_NAME, (const char *)data, size, scen, error,
                             sizeof(error));

    assert(rc == 0 || rc == -1);
    if (rc == 0) {
        assert(error[0] == '\0');
    } else {
        assert(strncmp(error, FUZZ_SCEN_NAME ":", strlen(FUZZ_SCEN_NAME ":")) == 0);
    }
    free(scen);
    return 0;
}
