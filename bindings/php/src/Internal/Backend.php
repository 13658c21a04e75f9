<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal;

/**
 * One implementation of the C ABI contract. Inputs are the ABI's byte strings; every method
 * returns the library's result JSON text.
 *
 * @internal
 */
interface Backend
{
    /** "ffi" or "php". */
    public function name(): string;

    /** evf_options_check */
    public function optionsCheck(string $optionsJson): string;

    /**
     * evf_verifier_new: [handle, null] or [null, error result JSON].
     *
     * @return array{0: ?object, 1: ?string}
     */
    public function newVerifier(string $optionsJson): array;

    /** evf_verifier_free */
    public function freeVerifier(?object $verifier): void;

    /** evf_verifier_process; $nowMs 0 = system clock */
    public function process(object $verifier, string $body, string $header, int $nowMs): string;

    /** evf_normalize */
    public function normalize(string $body, string $optionsJson): string;

    /** evf_decide */
    public function decide(string $eventJson, string $stateJson): string;

    /** evf_sign; $timestamp '' = now */
    public function sign(string $body, string $timestamp, string $secretsJson): string;

    /**
     * evf_explain: the process result plus "findings" and "secrets"; $optionsJson is the verifier
     * options plus an optional "retiredSecrets"; $nowMs 0 = system clock.
     */
    public function explain(string $body, string $header, string $optionsJson, int $nowMs): string;

    /**
     * process() as the binding's Event.
     *
     * @throws \Everifin\Webhook\Exception\WebhookException
     */
    public function processEvent(object $verifier, string $body, string $header, int $nowMs): \Everifin\Webhook\Event;

    /**
     * normalize() as the binding's Event.
     *
     * @throws \Everifin\Webhook\Exception\WebhookException
     */
    public function normalizeEvent(string $body, string $optionsJson): \Everifin\Webhook\Event;

    /**
     * decide() as the binding's Decision.
     *
     * @throws \Everifin\Webhook\Exception\WebhookException
     */
    public function decideDecision(string $eventJson, string $stateJson): \Everifin\Webhook\Decision;
}
