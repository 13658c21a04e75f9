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
     */
    public static function fromGlobals(): self
    {
        $body = @file_get_contents('php://input');
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
