<?php

declare(strict_types=1);

namespace Everifin\Webhook;

/**
 * The raw body and `Signature` header of a webhook request.
 */
final class Request
{
    public readonly string $body;
    /** "" when the request has no Signature header. */
    public readonly string $signatureHeader;

    public function __construct(string $body, string $signatureHeader)
    {
        $this->body = $body;
        $this->signatureHeader = $signatureHeader;
    }

    /**
     * The current request: the body from php://input (exact bytes; never $_POST or a re-encoded
     * JSON) and the Signature header, found whatever the server's casing.
     *
     * @param int|null $maxBodyBytes the Verifier's maxBodyBytes: at most that many bytes plus one
     *        are read, so a larger body never lands in memory whole; verify() then refuses it as
     *        BODY_TOO_LARGE (its message names the bytes read, limit + 1). null reads the whole
     *        body (as before; a stranger's POST can then be as large as the server lets it be).
     */
    public static function fromGlobals(?int $maxBodyBytes = null): self
    {
        $body = $maxBodyBytes === null
            ? @file_get_contents('php://input')
            : @file_get_contents('php://input', false, null, 0, min(max(0, $maxBodyBytes), PHP_INT_MAX - 1) + 1);
        $body = is_string($body) ? $body : '';
        foreach (['HTTP_SIGNATURE', 'REDIRECT_HTTP_SIGNATURE'] as $key) {
            if (isset($_SERVER[$key]) && is_string($_SERVER[$key])) {
                return new self($body, $_SERVER[$key]); // the usual case: no header list built
            }
        }
        $headers = null;
        if (function_exists('getallheaders')) {
            $h = @getallheaders();
            $headers = is_array($h) ? $h : null;
        }
        return new self($body, self::signatureHeader($_SERVER, $headers));
    }

    /**
     * Finds the Signature header: $_SERVER['HTTP_SIGNATURE'] (CGI/FastCGI, any client casing),
     * the REDIRECT_ variant some Apache rewrites leave, then a case-insensitive look in a header
     * list (getallheaders(), apache_request_headers()).
     *
     * @param array<string, mixed> $server
     * @param array<string, mixed>|null $headers
     */
    public static function signatureHeader(array $server, ?array $headers = null): string
    {
        foreach (['HTTP_SIGNATURE', 'REDIRECT_HTTP_SIGNATURE'] as $key) {
            if (isset($server[$key]) && is_string($server[$key])) {
                return $server[$key];
            }
        }
        if ($headers === null && function_exists('apache_request_headers')) {
            $h = @apache_request_headers();
            $headers = is_array($h) ? $h : null;
        }
        foreach ($headers ?? [] as $name => $value) {
            if (is_string($name) && strcasecmp(trim($name), 'Signature') === 0) {
                return is_array($value) ? implode(', ', $value) : (string) $value;
            }
        }
        return '';
    }
}
