#include "models/backend.h"

#include <string.h>

#include "models/api.h"
#include "models/gpu.h"
#include "models/station.h"

/* The kinds a scenario may name.  A linear table: a handful of kinds, looked
 * up once per backend at load time. */
static const struct backend_kind *const backend_kinds[] = {
    &station_kind,
    &gpu_backend_kind,
    &api_kind,
};

const char *const backend_kind_names[] = {
    "station",
    "gpu",
    "api",
};

const size_t backend_kind_count =
    sizeof backend_kinds / sizeof backend_kinds[0];

const struct backend_kind *backend_kind_find(const char *name)
{
    size_t i;

    for (i = 0; i < backend_kind_count; i++)
        if (strcmp(backend_kinds[i]->name, name) == 0)
            return backend_kinds[i];
    return NULL;
}

void backend_figures_add(struct backend_figures *fig, const char *key,
                         double value)
{
    if (fig->n < BACKEND_MAX_FIGURES) {
        fig->f[fig->n].key = key;
        fig->f[fig->n].value = value;
        fig->n++;
    }
}
