// OpenSSL's libcrypto: the digests, HMACs and scrypt of the signers, sessions and passwords.
#ifndef SORA_COPENSSL_SHIM_H
#define SORA_COPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/crypto.h>
#endif
