/*
 * nft_lazy.c - the libnftables functions vmc uses, resolved on first use
 * (see nft_lazy.h). Linux only.
 */
#include <string.h>

#include "core/lazylib.h"
#include "net/nft_lazy.h"

static struct lazylib nft_lib = {
	.soname = "libnftables.so.1",
	.package = "libnftables1",
};

int nft_lazy_failed(void)
{
	return lazylib_failed(&nft_lib);
}

LAZYLIB_WRAP(nft_lib, struct nft_ctx *, nft_ctx_new, (uint32_t flags), (flags), NULL)
LAZYLIB_WRAP_VOID(nft_lib, nft_ctx_free, (struct nft_ctx *ctx), (ctx))
LAZYLIB_WRAP(nft_lib, int, nft_ctx_buffer_output, (struct nft_ctx *ctx), (ctx), -1)
LAZYLIB_WRAP(nft_lib, int, nft_ctx_buffer_error, (struct nft_ctx *ctx), (ctx), -1)
LAZYLIB_WRAP(nft_lib, const char *, nft_ctx_get_output_buffer, (struct nft_ctx *ctx), (ctx), NULL)
LAZYLIB_WRAP(nft_lib, const char *, nft_ctx_get_error_buffer, (struct nft_ctx *ctx), (ctx), NULL)
LAZYLIB_WRAP(nft_lib, int, nft_run_cmd_from_buffer, (struct nft_ctx *ctx, const char *buf), (ctx, buf), -1)
