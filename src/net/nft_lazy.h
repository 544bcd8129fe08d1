/*
 * nft_lazy.h - libnftables loaded on first use (see core/lazylib.h).
 * Included right after <nftables/libnftables.h> by the files that call
 * libnftables: it renames each function vmc uses to its lazy_ wrapper.
 * The entry point nft_ctx_new() returns NULL when the library cannot be
 * loaded; nft_lazy_failed() then sets the vmc error.
 */
#ifndef VMC_NET_NFT_LAZY_H
#define VMC_NET_NFT_LAZY_H

#include <nftables/libnftables.h>

/* When libnftables could not be loaded: sets the vmc error
 * ("libnftables.so.1 could not be loaded (install libnftables1): ...")
 * and returns its code; otherwise 0. */
int nft_lazy_failed(void);

struct nft_ctx *lazy_nft_ctx_new(uint32_t flags);
void lazy_nft_ctx_free(struct nft_ctx *ctx);
int lazy_nft_ctx_buffer_output(struct nft_ctx *ctx);
int lazy_nft_ctx_buffer_error(struct nft_ctx *ctx);
const char *lazy_nft_ctx_get_output_buffer(struct nft_ctx *ctx);
const char *lazy_nft_ctx_get_error_buffer(struct nft_ctx *ctx);
int lazy_nft_run_cmd_from_buffer(struct nft_ctx *ctx, const char *buf);

#define nft_ctx_new lazy_nft_ctx_new
#define nft_ctx_free lazy_nft_ctx_free
#define nft_ctx_buffer_output lazy_nft_ctx_buffer_output
#define nft_ctx_buffer_error lazy_nft_ctx_buffer_error
#define nft_ctx_get_output_buffer lazy_nft_ctx_get_output_buffer
#define nft_ctx_get_error_buffer lazy_nft_ctx_get_error_buffer
#define nft_run_cmd_from_buffer lazy_nft_run_cmd_from_buffer

#endif
