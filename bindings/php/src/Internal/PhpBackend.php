<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal;

use Everifin\Webhook\Status;

/**
 * The pure-PHP implementation of the C ABI contract (docs/behaviour.md), used where FFI cannot be.
 * Every method returns the same result JSON text the library returns.
 *
 * @internal
 */
final class PhpBackend implements Backend
{
    private const MAX_HEADER_BYTES = 4096;
    private const MAX_SIGNATURES = 16;
    private const MAX_SECRETS = 16;
    private const MAX_BODY_DEPTH = 64;
    private const MAX_TOLERANCE = 31536000;
    private const MAX_MAX_BODY = 67108864;
    private const MAX_RECENT = 32;
    private const UUID_RE = '/\A[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\z/';

    public const OUTCOMES = [
        'pending', 'authorized', 'partially_paid', 'paid', 'failed', 'expired', 'withdrawn', 'review',
        'refund_pending', 'refunded', 'refund_failed', 'unknown',
    ];

    private const DEFAULT_SUGGESTED = [
        'woocommerce' => [
            'pending' => 'pending', 'authorized' => 'on-hold', 'partially_paid' => 'on-hold',
            'paid' => 'processing', 'failed' => 'failed', 'expired' => 'failed', 'withdrawn' => 'cancelled',
            'review' => 'on-hold', 'refund_pending' => null, 'refunded' => 'refunded', 'refund_failed' => null,
            'unknown' => null,
        ],
        'prestashop' => [
            'pending' => 'PS_OS_BANKWIRE', 'authorized' => 'PS_OS_BANKWIRE', 'partially_paid' => 'PS_OS_BANKWIRE',
            'paid' => 'PS_OS_PAYMENT', 'failed' => 'PS_OS_ERROR', 'expired' => 'PS_OS_CANCELED',
            'withdrawn' => 'PS_OS_CANCELED', 'review' => 'PS_OS_ERROR', 'refund_pending' => null,
            'refunded' => 'PS_OS_REFUND', 'refund_failed' => null, 'unknown' => null,
        ],
    ];

    public function name(): string
    {
        return 'php';
    }

    public function optionsCheck(string $optionsJson): string
    {
        try {
            $this->parseOptions($optionsJson, true);
            return $this->ok([]);
        } catch (Failure $f) {
            return $this->error($f);
        }
    }

    /** @return array{0: ?object, 1: ?string} */
    public function newVerifier(string $optionsJson): array
    {
        try {
            return [$this->parseOptions($optionsJson, true), null];
        } catch (Failure $f) {
            return [null, $this->error($f)];
        }
    }

    public function freeVerifier(?object $verifier): void
    {
        if ($verifier instanceof PhpOptions) {
            $verifier->secrets = [];
        }
    }

    public function process(object $verifier, string $body, string $header, int $nowMs): string
    {
        /** @var PhpOptions $o */
        $o = $verifier;
        try {
            if ($nowMs === 0) {
                $nowMs = Timestamp::nowMs();
            }
            $this->checkSize($body, $o);
            $sig = $this->verifySignature($header, $body, $o, $nowMs);
            try {
                $event = $this->parseBody($body, $o);
            } catch (Failure $f) {
                $f->signature = $sig;
                throw $f;
            }
            return $this->ok(['signature' => $sig, 'event' => new JsonRaw($event)]);
        } catch (Failure $f) {
            return $this->error($f);
        }
    }

    public function normalize(string $body, string $optionsJson): string
    {
        try {
            $o = $this->parseOptions($optionsJson, false);
            $this->checkSize($body, $o);
            return $this->ok(['event' => new JsonRaw($this->parseBody($body, $o))]);
        } catch (Failure $f) {
            return $this->error($f);
        }
    }

    public function decide(string $eventJson, string $stateJson): string
    {
        try {
            $event = $this->parseDecideEvent($eventJson);
            $state = $this->parseState($stateJson);
            [$action, $reason, $newState] = $this->decideRules($event, $state);
            [$orderOutcome, $suggested, $stateJson] = self::finishDecision($event, $newState);
            return $this->ok([
                'decision' => ['action' => $action, 'reason' => $reason, 'orderOutcome' => $orderOutcome, 'suggested' => $suggested],
                'state' => new JsonRaw($stateJson),
            ]);
        } catch (Failure $f) {
            return $this->error($f);
        }
    }

    public function sign(string $body, string $timestamp, string $secretsJson): string
    {
        try {
            if (!preg_match('//u', $timestamp)) {
                throw new Failure(Status::HEADER_TIMESTAMP_INVALID, 'the timestamp is not UTF-8');
            }
            try {
                $value = Json::parse($secretsJson, 127);
            } catch (JsonError $e) {
                throw new Failure(Status::INVALID_OPTIONS, 'secrets must be a JSON array of strings (' . $e->getMessage() . ')');
            }
            $secrets = $this->parseSecrets($value, 'secrets');
            $ts = $timestamp === '' ? Timestamp::formatMs(Timestamp::nowMs()) : $timestamp;
            if (Timestamp::parseMs($ts) === null) {
                throw new Failure(Status::HEADER_TIMESTAMP_INVALID, 'the timestamp is not an RFC 3339 UTC date-time like 2024-01-09T13:08:48.069Z');
            }
            $header = 'ts=' . $ts;
            foreach ($secrets as $i => $secret) {
                $header .= ';v' . $i . '=' . hash_hmac('sha256', $ts . '.' . $body, $secret);
            }
            return $this->ok(['header' => $header]);
        } catch (Failure $f) {
            return $this->error($f);
        }
    }

    public function explain(string $body, string $header, string $optionsJson, int $nowMs): string
    {
        try {
            [$o, $retired] = $this->explainOptions($optionsJson);
        } catch (Failure $f) {
            return $this->error($f);
        }
        if ($nowMs === 0) {
            $nowMs = Timestamp::nowMs();
        }
        $processJson = $this->process($o, $body, $header, $nowMs);
        $result = Json::parse($processJson, 200);
        /** @var JsonObject $result */
        $findings = [];
        $signature = $result->get('signature');
        if ($signature instanceof JsonObject && is_int($signature->get('ageMs'))) {
            // Verified, or authentic but rejected (its age, or its event).
            $skew = PhpExplain::skewFinding($signature->get('ageMs'), $o->toleranceSeconds);
            if ($skew !== null) {
                $findings[] = $skew;
            }
        } elseif ($result->get('status') === Status::SIGNATURE_MISMATCH) {
            $findings = PhpExplain::search($body, $header, $o->secrets, $retired);
        }
        $secrets = [];
        foreach ($o->secrets as $i => $secret) {
            $secrets[] = self::obj(['index' => $i, 'fingerprint' => PhpExplain::fingerprint($secret)]);
        }
        $o->secrets = [];
        // Appended to the process result's text, like the core: hookData stays exactly as received.
        return substr($processJson, 0, -1) . ',"findings":' . PhpExplain::compact($findings)
            . ',"secrets":' . PhpExplain::compact($secrets) . '}';
    }

    /**
     * The verifier options and the retired secrets of evf_explain's options, checked in the
     * core's order: the JSON, then "retiredSecrets", then the verifier options.
     *
     * @return array{0: PhpOptions, 1: list<string>}
     */
    private function explainOptions(string $json): array
    {
        if ($json === '') {
            return [$this->parseOptions($json, true), []];
        }
        try {
            $value = Json::parseSerde($json, 127);
        } catch (JsonError $e) {
            throw new Failure(Status::INVALID_OPTIONS, 'options are not valid JSON (' . $e->getMessage() . ')');
        }
        $retired = [];
        if ($value instanceof JsonObject && $value->has('retiredSecrets')) {
            $list = $value->get('retiredSecrets');
            // serde_json's Map::remove under preserve_order is a swap_remove: the last member
            // takes the removed one's place (this decides which invalid option is reported first).
            $members = [];
            foreach ($value->members() as $k => $v) {
                $members[] = [(string) $k, $v];
            }
            $at = 0;
            foreach ($members as $i => [$k]) {
                if ($k === 'retiredSecrets') {
                    $at = $i;
                }
            }
            $last = array_pop($members);
            if ($at < count($members)) {
                $members[$at] = $last;
            }
            $value = new JsonObject();
            foreach ($members as [$k, $v]) {
                $value->set($k, $v);
            }
            if (is_array($list) && $list !== []) {
                $retired = $this->parseSecrets($list, 'options: "retiredSecrets"');
            } elseif (!is_array($list)) {
                throw new Failure(Status::INVALID_OPTIONS, 'options: "retiredSecrets" must be an array of strings');
            }
        }
        return [$this->parseOptions(PhpExplain::compact($value), true), $retired];
    }

    // ---------------------------------------------------------------- options

    private function parseOptions(string $json, bool $forVerifier): PhpOptions
    {
        $o = new PhpOptions();
        $o->suggested = self::DEFAULT_SUGGESTED;
        if (strspn($json, " \t\n\r\x0C") === strlen($json)) {
            $value = new JsonObject();
        } else {
            try {
                $value = Json::parse($json, 127);
            } catch (JsonError $e) {
                throw new Failure(Status::INVALID_OPTIONS, 'options are not valid JSON (' . $e->getMessage() . ')');
            }
        }
        if (!$value instanceof JsonObject) {
            throw new Failure(Status::INVALID_OPTIONS, 'options must be a JSON object');
        }
        foreach ($value->members() as $key => $v) {
            switch ($key) {
                case 'secrets':
                    $o->secrets = $this->parseSecrets($v, 'options: "secrets"');
                    break;
                case 'toleranceSeconds':
                    $o->toleranceSeconds = $this->integerIn($v, 'toleranceSeconds', 0, self::MAX_TOLERANCE);
                    break;
                case 'confirmedIsPaid':
                    if (!is_bool($v)) {
                        throw new Failure(Status::INVALID_OPTIONS, 'options: "confirmedIsPaid" must be true or false');
                    }
                    $o->confirmedIsPaid = $v;
                    break;
                case 'maxBodyBytes':
                    $o->maxBodyBytes = $this->integerIn($v, 'maxBodyBytes', 1, self::MAX_MAX_BODY);
                    break;
                case 'suggestedStates':
                    $o->suggested = $this->parseSuggested($v);
                    break;
                default:
                    throw new Failure(Status::INVALID_OPTIONS, sprintf(
                        'options: unknown option %s (known: secrets, toleranceSeconds, confirmedIsPaid, maxBodyBytes, suggestedStates)',
                        Json::encodeString(self::truncate($key, 64))
                    ));
            }
        }
        if ($forVerifier && $o->secrets === []) {
            throw new Failure(Status::INVALID_OPTIONS, 'options: "secrets" is required (an array of hook secrets, oldest first)');
        }
        return $o;
    }

    /**
     * @param mixed $value
     * @return list<string>
     */
    private function parseSecrets($value, string $what): array
    {
        if (!is_array($value)) {
            throw new Failure(Status::INVALID_OPTIONS, $what . ' must be an array of strings, oldest first');
        }
        if ($value === []) {
            throw new Failure(Status::INVALID_OPTIONS, $what . ' must hold at least one secret');
        }
        if (count($value) > self::MAX_SECRETS) {
            throw new Failure(Status::INVALID_OPTIONS, sprintf('%s holds %d secrets; at most %d are allowed', $what, count($value), self::MAX_SECRETS));
        }
        $out = [];
        foreach ($value as $i => $s) {
            if (!is_string($s)) {
                throw new Failure(Status::INVALID_OPTIONS, sprintf('%s: secret %d is not a string', $what, $i));
            }
            if ($s === '') {
                throw new Failure(Status::INVALID_OPTIONS, sprintf('%s: secret %d is empty', $what, $i));
            }
            $out[] = $s;
        }
        return $out;
    }

    /** @param mixed $v */
    private function integerIn($v, string $key, int $min, int $max): int
    {
        if (!is_int($v) || $v < $min || $v > $max) {
            throw new Failure(Status::INVALID_OPTIONS, sprintf('options: "%s" must be a whole number from %d to %d', $key, $min, $max));
        }
        return $v;
    }

    /**
     * @param mixed $v
     * @return array<string, array<string, ?string>>
     */
    private function parseSuggested($v): array
    {
        if (!$v instanceof JsonObject) {
            throw new Failure(Status::INVALID_OPTIONS, 'options: "suggestedStates" must be an object {platform: {outcome: state}}');
        }
        $table = self::DEFAULT_SUGGESTED;
        foreach ($v->members() as $platform => $entries) {
            if ($platform === '') {
                throw new Failure(Status::INVALID_OPTIONS, 'options: "suggestedStates" has an empty platform name');
            }
            if (!$entries instanceof JsonObject) {
                throw new Failure(Status::INVALID_OPTIONS, sprintf('options: suggestedStates.%s must be an object {outcome: state}', self::truncate($platform, 64)));
            }
            $row = $table[$platform] ?? array_fill_keys(self::OUTCOMES, null);
            foreach ($entries->members() as $outcome => $state) {
                if (!in_array($outcome, self::OUTCOMES, true)) {
                    throw new Failure(Status::INVALID_OPTIONS, sprintf(
                        'options: suggestedStates.%s: %s is not an outcome (known: %s)',
                        self::truncate($platform, 64),
                        Json::encodeString(self::truncate($outcome, 64)),
                        implode(', ', self::OUTCOMES)
                    ));
                }
                if ($state !== null && !is_string($state)) {
                    throw new Failure(Status::INVALID_OPTIONS, sprintf('options: suggestedStates.%s.%s must be a string or null', self::truncate($platform, 64), $outcome));
                }
                $row[$outcome] = $state;
            }
            // PHP arrays turn numeric-string keys into ints: keep platform names as given via a prefix.
            $table[$platform] = $row;
        }
        return $table;
    }

    // ---------------------------------------------------------------- signature

    private function checkSize(string $body, PhpOptions $o): void
    {
        if (strlen($body) > $o->maxBodyBytes) {
            throw new Failure(Status::BODY_TOO_LARGE, sprintf('the body is %d bytes; at most %d are accepted', strlen($body), $o->maxBodyBytes));
        }
    }

    /**
     * The Signature header's parts: the ts text as given and the [key, lowercase hex] signatures.
     *
     * @return array{0: string, 1: list<array{0: string, 1: string}>}
     * @throws Failure HEADER_MISSING or HEADER_MALFORMED
     */
    public static function parseHeader(string $header): array
    {
        if (strspn($header, " \t\r\n") === strlen($header)) {
            throw new Failure(Status::HEADER_MISSING, 'the Signature header is missing or empty');
        }
        if (strlen($header) > self::MAX_HEADER_BYTES) {
            throw new Failure(Status::HEADER_MALFORMED, sprintf('the Signature header is %d bytes long; at most %d are accepted', strlen($header), self::MAX_HEADER_BYTES));
        }
        if (preg_match('/[^\t\r\n\x20-\x7e]/', $header, $m, PREG_OFFSET_CAPTURE)) {
            throw new Failure(Status::HEADER_MALFORMED, sprintf('the Signature header has a byte that is not printable ASCII at offset %d', $m[0][1]));
        }
        $ts = null;
        $sigs = [];
        foreach (explode(';', $header) as $part) {
            $part = trim($part, " \t\r\n");
            if ($part === '') {
                continue;
            }
            $eq = strpos($part, '=');
            if ($eq === false) {
                throw new Failure(Status::HEADER_MALFORMED, sprintf('Signature header part %s is not key=value', Json::encodeString(self::truncate($part, 24))));
            }
            $key = trim(substr($part, 0, $eq), " \t\r\n");
            $value = trim(substr($part, $eq + 1), " \t\r\n");
            if (strcasecmp($key, 'ts') === 0) {
                if ($ts !== null) {
                    throw new Failure(Status::HEADER_MALFORMED, 'the Signature header has more than one ts part');
                }
                $ts = $value;
            } elseif (preg_match('/\A[vV][0-9]{1,3}\z/', $key)) {
                if (count($sigs) === self::MAX_SIGNATURES) {
                    throw new Failure(Status::HEADER_MALFORMED, sprintf('the Signature header has more than %d signatures', self::MAX_SIGNATURES));
                }
                if (!preg_match('/\A[0-9a-fA-F]{64}\z/', $value)) {
                    throw new Failure(Status::HEADER_MALFORMED, sprintf('Signature header part %s is not 64 hexadecimal digits', $key));
                }
                $sigs[] = [$key, strtolower($value)];
            }
        }
        if ($ts === null) {
            throw new Failure(Status::HEADER_MALFORMED, 'the Signature header has no ts part');
        }
        if ($sigs === []) {
            throw new Failure(Status::HEADER_MALFORMED, 'the Signature header has no v0 (or v1, v2, ...) signature');
        }
        return [$ts, $sigs];
    }

    /** @return array{timestamp: string, key: string, secretIndex: int, ageMs: int} */
    private function verifySignature(string $header, string $body, PhpOptions $o, int $nowMs): array
    {
        [$ts, $sigs] = self::parseHeader($header);
        $tsMs = Timestamp::parseMs($ts);
        if ($tsMs === null) {
            throw new Failure(Status::HEADER_TIMESTAMP_INVALID, sprintf("the Signature header's ts %s is not an RFC 3339 UTC date-time like 2024-01-09T13:08:48.069Z", Json::encodeString(self::truncate($ts, 40))));
        }
        $macs = [];
        foreach ($o->secrets as $secret) {
            $macs[] = hash_hmac('sha256', $ts . '.' . $body, $secret);
        }
        $match = null;
        foreach ($sigs as [$key, $given]) {
            foreach ($macs as $i => $mac) {
                if (hash_equals($mac, $given)) {
                    $match = [$key, $i];
                    break 2;
                }
            }
        }
        if ($match === null) {
            throw new Failure(Status::SIGNATURE_MISMATCH, sprintf(
                'no signature in the Signature header matches the body under the %d configured secret(s): check the hook secret and that the raw, unmodified request body is verified',
                count($o->secrets)
            ));
        }
        $age = self::saturatingSub($nowMs, $tsMs);
        $info = ['timestamp' => Timestamp::formatMs($tsMs), 'key' => strtolower($match[0]), 'secretIndex' => $match[1], 'ageMs' => $age];
        $limit = $o->toleranceSeconds * 1000;
        if ($o->toleranceSeconds > 0 && $age > $limit) {
            $f = new Failure(Status::TIMESTAMP_TOO_OLD, sprintf('the signature is authentic but %d s old; at most %d s are accepted', intdiv($age, 1000), $o->toleranceSeconds));
            $f->signature = $info;
            throw $f;
        }
        if ($o->toleranceSeconds > 0 && $age < -$limit) {
            $f = new Failure(Status::TIMESTAMP_IN_FUTURE, sprintf(
                'the signature is authentic but dated %d s in the future; at most %d s of clock skew are accepted (check the server clock)',
                intdiv(-$age, 1000),
                $o->toleranceSeconds
            ));
            $f->signature = $info;
            throw $f;
        }
        return $info;
    }

    private static function saturatingSub(int $a, int $b): int
    {
        $r = $a - $b;
        if (is_float($r)) {
            return $r > 0 ? PHP_INT_MAX : PHP_INT_MIN;
        }
        return $r;
    }

    // ---------------------------------------------------------------- body and event

    /** The normalized event as JSON text. */
    private function parseBody(string $body, PhpOptions $o): string
    {
        if (!preg_match('//u', $body)) {
            throw new Failure(Status::BODY_NOT_UTF8, 'the body is not valid UTF-8');
        }
        try {
            // Strict everywhere, also in values passed through (hookData): every result must be
            // strict JSON (docs/behaviour.md section 2).
            $root = Json::parse($body, self::MAX_BODY_DEPTH);
        } catch (JsonError $e) {
            throw new Failure(Status::BODY_NOT_JSON, $e->getMessage() === 'nesting too deep'
                ? sprintf('the body nests arrays/objects deeper than %d levels', self::MAX_BODY_DEPTH)
                : 'the body is not JSON: ' . $e->getMessage() . ' at offset ' . $e->offset);
        }
        if (!$root instanceof JsonObject) {
            throw new Failure(Status::EVENT_INVALID, 'the body must be a JSON object (an Everifin event)', '');
        }
        return $this->normalizeFields($root, $o);
    }

    private function normalizeFields(JsonObject $f, PhpOptions $o): string
    {
        $eventId = self::uuidField($f, 'eventId', 'eventId');
        if ($eventId === null) {
            throw new Failure(Status::EVENT_INVALID, 'eventId is required', 'eventId');
        }
        [$eventType] = self::withFallback($f, 'eventType', 'hookType');
        [$tsText, $tsName] = self::withFallback($f, 'eventTimestamp', 'timestamp');
        $tsMs = Timestamp::parseMs($tsText);
        if ($tsMs === null) {
            throw new Failure(Status::EVENT_INVALID, sprintf('%s %s is not an RFC 3339 UTC date-time like 2024-01-09T13:08:48.069Z', $tsName, Json::encodeString(self::truncate($tsText, 40))), $tsName);
        }
        $data = $f->get('data');
        if ($data === null) {
            throw new Failure(Status::EVENT_INVALID, 'data is required', 'data');
        }
        if (!$data instanceof JsonObject) {
            throw new Failure(Status::EVENT_INVALID, 'data must be an object', 'data');
        }
        $paymentId = self::uuidField($data, 'paymentId', 'data.paymentId');
        $refundId = self::uuidField($data, 'refundId', 'data.refundId');
        $orderId = self::uuidField($data, 'orderId', 'data.orderId');
        $instructionId = self::stringField($data, 'instructionId', 'data.instructionId', false);
        $externalId = self::stringField($data, 'externalId', 'data.externalId', false);
        $status = self::stringField($data, 'status', 'data.status', true);
        $reasonCode = self::stringField($data, 'reasonCode', 'data.reasonCode', false);
        $hookData = $data->get('hookData') === null ? null : $data->raw('hookData');

        $knownType = in_array($eventType, ['payment.statusChange', 'payment.statusCheck', 'order.statusChange'], true);
        if ($eventType === 'payment.statusChange' || $eventType === 'payment.statusCheck') {
            if ($paymentId === null && $refundId === null) {
                throw new Failure(Status::EVENT_INVALID, sprintf('a %s event needs data.paymentId or data.refundId', $eventType), 'data.paymentId');
            }
            if ($paymentId !== null && $refundId !== null) {
                throw new Failure(Status::EVENT_INVALID, 'data has both paymentId and refundId; exactly one is expected', 'data.refundId');
            }
            $entity = $refundId !== null ? 'refund' : 'payment';
        } elseif ($eventType === 'order.statusChange') {
            if ($orderId === null) {
                throw new Failure(Status::EVENT_INVALID, 'an order.statusChange event needs data.orderId', 'data.orderId');
            }
            $entity = 'order';
        } elseif ($refundId !== null) {
            $entity = 'refund';
        } elseif ($paymentId !== null) {
            $entity = 'payment';
        } elseif ($orderId !== null) {
            $entity = 'order';
        } else {
            $entity = 'unknown';
        }
        if ($status === null && $knownType && substr($eventType, -strlen('.statusChange')) === '.statusChange') {
            throw new Failure(Status::EVENT_INVALID, sprintf('a %s event needs data.status', $eventType), 'data.status');
        }
        $entityId = ['payment' => $paymentId, 'refund' => $refundId, 'order' => $orderId, 'unknown' => null][$entity];
        $class = ($status !== null && $knownType) ? self::classify($entity, $status, $o->confirmedIsPaid) : null;
        [$final, $outcome] = $class ?? [false, 'unknown'];

        $suggested = new JsonObject();
        foreach ($o->suggested as $platform => $row) {
            $suggested->set((string) $platform, $row[$outcome]);
        }
        $event = new JsonObject();
        $event->set('schemaVersion', 1);
        $event->set('eventId', $eventId);
        $event->set('eventType', $eventType);
        $event->set('eventTimestamp', Timestamp::formatMs($tsMs));
        $event->set('eventTimestampMs', $tsMs);
        $event->set('entity', $entity);
        $event->set('entityId', $entityId);
        $event->set('paymentId', $paymentId);
        $event->set('refundId', $refundId);
        $event->set('orderId', $orderId);
        $event->set('instructionId', $instructionId);
        $event->set('externalId', $externalId);
        $event->set('status', $status);
        $event->set('statusKnown', $class !== null);
        $event->set('final', $final);
        $event->set('outcome', $outcome);
        $event->set('reasonCode', $reasonCode);
        $event->set('hookData', $hookData === null ? null : new JsonRaw($hookData));
        $event->set('legacyFields', $f->has('clientId') || $f->has('hookType') || $f->has('timestamp'));
        $event->set('suggested', $suggested);
        return Json::encode($event);
    }

    private static function stringField(JsonObject $fields, string $key, string $name, bool $nonEmpty): ?string
    {
        $v = $fields->get($key);
        if ($v === null) {
            return null;
        }
        if (!is_string($v)) {
            throw new Failure(Status::EVENT_INVALID, $name . ' must be a string', $name);
        }
        if ($nonEmpty && $v === '') {
            throw new Failure(Status::EVENT_INVALID, $name . ' must not be empty', $name);
        }
        return $v;
    }

    private static function uuidField(JsonObject $fields, string $key, string $name): ?string
    {
        $s = self::stringField($fields, $key, $name, false);
        if ($s === null) {
            return null;
        }
        if (!preg_match(self::UUID_RE, $s)) {
            throw new Failure(Status::EVENT_INVALID, sprintf('%s must be a UUID like 4e896aa3-bbba-4a75-a888-06bcfe403c99, got %s', $name, Json::encodeString(self::truncate($s, 40))), $name);
        }
        return strtolower($s);
    }

    /** @return array{0: string, 1: string} the value and the field it came from */
    private static function withFallback(JsonObject $fields, string $key, string $legacy): array
    {
        $name = ($fields->get($key) === null && $fields->get($legacy) !== null) ? $legacy : $key;
        $v = self::stringField($fields, $name, $name, true);
        if ($v === null) {
            throw new Failure(Status::EVENT_INVALID, $name . ' is required', $name);
        }
        return [$v, $name];
    }

    /** @return array{0: bool, 1: string}|null [final, outcome] for a known status */
    public static function classify(string $entity, string $status, bool $confirmedIsPaid): ?array
    {
        switch ($entity) {
            case 'payment':
                switch ($status) {
                    case 'CREATED':
                    case 'SEEN':
                    case 'PROCESSING':
                        return [false, 'pending'];
                    case 'CONFIRMED':
                        return [false, $confirmedIsPaid ? 'paid' : 'authorized'];
                    case 'BOOKED':
                    case 'FINISHED':
                        return [true, 'paid'];
                    case 'FAILED':
                    case 'REJECTED':
                        return [true, 'failed'];
                    case 'EXPIRED':
                        return [true, 'expired'];
                    case 'WITHDRAWN':
                        return [true, 'withdrawn'];
                    case 'PROCESSING_EXPIRED':
                        return [true, 'review'];
                }
                return null;
            case 'refund':
                switch ($status) {
                    case 'CREATED':
                    case 'SEEN':
                    case 'PROCESSING':
                    case 'CONFIRMED':
                        return [false, 'refund_pending'];
                    case 'BOOKED':
                    case 'FINISHED':
                        return [true, 'refunded'];
                    case 'FAILED':
                    case 'REJECTED':
                    case 'EXPIRED':
                    case 'WITHDRAWN':
                    case 'PROCESSING_EXPIRED':
                        return [true, 'refund_failed'];
                }
                return null;
            case 'order':
                switch ($status) {
                    case 'UNPAID':
                        return [false, 'pending'];
                    case 'PARTIALLY_PAID':
                        return [false, 'partially_paid'];
                    case 'PAID':
                        return [true, 'paid'];
                }
                return null;
        }
        return null;
    }

    // ---------------------------------------------------------------- decide
    // Mirrors src/decide.rs (docs/behaviour.md section 6): per-entity records, orderOutcome, the
    // skip reasons that keep a paid order paid, unknown state keys kept as their exact JSON text.

    private const MAX_ENTITIES = 16;
    private const STATE_KEYS = [
        'status', 'entity', 'entityId', 'outcome', 'final', 'lastEventId', 'lastEventTimestampMs',
        'recentEventIds', 'orderOutcome', 'entities',
    ];
    private const RECORD_KEYS = ['entity', 'entityId', 'status', 'outcome', 'final', 'lastEventTimestampMs'];

    private function parseObject(string $json, string $what, string $status): JsonObject
    {
        if ($json === '') {
            return new JsonObject();
        }
        $field = $status === Status::EVENT_INVALID ? '' : null;
        try {
            $v = Json::parse($json, 127);
        } catch (JsonError $e) {
            throw new Failure($status, sprintf('the %s is not valid JSON (%s)', $what, $e->getMessage()), $field);
        }
        if (!$v instanceof JsonObject) {
            throw new Failure($status, sprintf('the %s must be a JSON object', $what), $field);
        }
        return $v;
    }

    /**
     * @param callable(string): Failure $err
     */
    private static function optString(JsonObject $map, string $key, callable $err): ?string
    {
        $v = $map->get($key);
        if ($v === null) {
            return null;
        }
        if (!is_string($v)) {
            throw $err($key);
        }
        return $v;
    }

    /**
     * @param callable(string): Failure $err
     */
    private static function optBool(JsonObject $map, string $key, callable $err): ?bool
    {
        $v = $map->get($key);
        if ($v !== null && !is_bool($v)) {
            throw $err($key);
        }
        return $v;
    }

    /**
     * @param callable(string): Failure $err
     */
    private static function optInt(JsonObject $map, string $key, callable $err): ?int
    {
        $v = $map->get($key);
        if ($v !== null && !is_int($v)) {
            throw $err($key);
        }
        return $v;
    }

    private static function knownOutcome(?string $o): bool
    {
        return $o !== null && $o !== 'unknown' && in_array($o, self::OUTCOMES, true);
    }

    /** @return array<string, mixed> */
    private function parseDecideEvent(string $json): array
    {
        $map = $this->parseObject($json, 'event', Status::EVENT_INVALID);
        $inner = $map->get('event');
        if ($inner instanceof JsonObject) {
            $map = $inner;
        }
        $err = static fn (string $key): Failure => new Failure(Status::EVENT_INVALID, sprintf('event field %s has the wrong type', $key), $key);
        $eventId = self::optString($map, 'eventId', $err);
        if ($eventId === null) {
            throw new Failure(Status::EVENT_INVALID, 'the event has no eventId', 'eventId');
        }
        if (!$map->has('eventTimestampMs')) {
            throw new Failure(Status::EVENT_INVALID, 'the event has no eventTimestampMs', 'eventTimestampMs');
        }
        $ts = $map->get('eventTimestampMs');
        if (!is_int($ts)) {
            throw $err('eventTimestampMs');
        }
        $final = self::optBool($map, 'final', $err);
        $suggested = $map->get('suggested');
        if ($suggested !== null && !$suggested instanceof JsonObject) {
            throw $err('suggested');
        }
        return [
            'eventId' => self::asciiLower($eventId),
            'ts' => $ts,
            'final' => $final ?? false,
            'entity' => self::optString($map, 'entity', $err),
            'entityId' => self::optString($map, 'entityId', $err),
            'status' => self::optString($map, 'status', $err),
            'outcome' => self::optString($map, 'outcome', $err),
            'suggested' => $suggested,
        ];
    }

    /** @return array<string, mixed> */
    private function parseState(string $json): array
    {
        $map = $this->parseObject($json, 'state', Status::STATE_INVALID);
        $err = static fn (string $key): Failure => new Failure(Status::STATE_INVALID, sprintf('state field %s has the wrong type', $key));
        $s = [
            'status' => self::optString($map, 'status', $err),
            'entity' => self::optString($map, 'entity', $err),
            'entityId' => self::optString($map, 'entityId', $err),
            'outcome' => self::optString($map, 'outcome', $err),
            'final' => self::optBool($map, 'final', $err),
            'lastEventId' => self::optString($map, 'lastEventId', $err),
            'lastEventTimestampMs' => self::optInt($map, 'lastEventTimestampMs', $err),
            'recentEventIds' => [],
            'records' => [],
        ];
        self::optString($map, 'orderOutcome', $err); // derived: checked, then ignored
        $recent = $map->get('recentEventIds');
        if ($recent !== null) {
            if (!is_array($recent)) {
                throw $err('recentEventIds');
            }
            foreach ($recent as $id) {
                if (!is_string($id)) {
                    throw $err('recentEventIds');
                }
                $s['recentEventIds'][] = $id;
            }
        }
        $lookedEntity = null;
        if ($s['status'] !== null) {
            foreach (['payment', 'order'] as $entity) {
                $looked = self::classify($entity, $s['status'], false);
                if ($looked !== null) {
                    $lookedEntity = $entity;
                    $s['final'] = $s['final'] ?? $looked[0];
                    $s['outcome'] = $s['outcome'] ?? $looked[1];
                    break;
                }
            }
        }
        $entities = $map->get('entities');
        if ($entities === null) {
            // Upgrade a state without entities (release 0.1, or written by the shop).
            $o = $s['outcome'];
            if (($s['status'] !== null || $o !== null) && self::knownOutcome($o)) {
                $isRefund = in_array($o, ['refund_pending', 'refunded', 'refund_failed'], true);
                $s['records'][] = [
                    'entity' => $s['entity'] ?? $lookedEntity ?? ($isRefund ? 'refund' : 'payment'),
                    'entityId' => $s['entityId'],
                    'status' => $s['status'],
                    'outcome' => $o,
                    'final' => $s['final'] ?? false,
                    'lastEventTimestampMs' => $s['lastEventTimestampMs'],
                ];
            }
        } elseif (is_array($entities)) {
            foreach ($entities as $r) {
                if (!$r instanceof JsonObject) {
                    throw $err('entities');
                }
                $rerr = static fn (string $key): Failure => $err('entities[].' . $key);
                $s['records'][] = [
                    'entity' => self::optString($r, 'entity', $rerr),
                    'entityId' => self::optString($r, 'entityId', $rerr),
                    'status' => self::optString($r, 'status', $rerr),
                    'outcome' => self::optString($r, 'outcome', $rerr),
                    'final' => self::optBool($r, 'final', $rerr),
                    'lastEventTimestampMs' => self::optInt($r, 'lastEventTimestampMs', $rerr),
                ];
            }
        } else {
            throw $err('entities');
        }
        $other = [];
        foreach ($map->members() as $k => $v) {
            if (!in_array($k, self::STATE_KEYS, true)) {
                $other[] = [$k, new JsonRaw($map->raw($k) ?? Json::encode($v))];
            }
        }
        $s['other'] = $other;
        return $s;
    }

    /** @param list<array<string, mixed>> $records */
    private static function orderOutcome(array $records): string
    {
        foreach ($records as $r) {
            if ($r['entity'] === 'refund' && $r['outcome'] === 'refunded') {
                return 'refunded';
            }
        }
        foreach ($records as $r) {
            if (in_array($r['entity'], ['payment', 'order'], true) && $r['outcome'] === 'paid') {
                return 'paid';
            }
        }
        $best = null;
        foreach ($records as $r) {
            if (in_array($r['entity'], ['payment', 'order'], true) && self::knownOutcome($r['outcome'])
                && ($best === null || ($r['lastEventTimestampMs'] ?? PHP_INT_MIN) >= ($best['lastEventTimestampMs'] ?? PHP_INT_MIN))) {
                $best = $r;
            }
        }
        return $best === null ? 'unknown' : $best['outcome'];
    }

    private static function rank(?string $entity, ?string $status, bool $final): int
    {
        if ($final) {
            return 4;
        }
        if ($entity === 'order') {
            return $status === 'PARTIALLY_PAID' ? 1 : 0;
        }
        return ['SEEN' => 1, 'PROCESSING' => 2, 'CONFIRMED' => 3][$status ?? ''] ?? 0;
    }

    /**
     * @param array<string, mixed> $e
     * @param array<string, mixed> $s
     * @return array{0: string, 1: string, 2: array<string, mixed>}
     */
    private function decideRules(array $e, array $s): array
    {
        $id = $e['eventId'];
        $seen = ($s['lastEventId'] !== null && strcasecmp($s['lastEventId'], $id) === 0);
        foreach ($s['recentEventIds'] as $r) {
            if (strcasecmp($r, $id) === 0) {
                $seen = true;
            }
        }
        if ($seen) {
            return ['skip', 'duplicate', $s];
        }
        $recent = [];
        foreach ($s['recentEventIds'] as $r) {
            if (strcasecmp($r, $id) !== 0) {
                $recent[] = $r;
            }
        }
        $recent[] = $id;
        $s['recentEventIds'] = array_slice($recent, max(0, count($recent) - self::MAX_RECENT));

        $paidBefore = self::orderOutcome($s['records']) === 'paid';
        $hadRecords = $s['records'] !== [];
        $found = null;
        foreach ($s['records'] as $i => $r) {
            if ($r['entity'] === $e['entity'] && $r['entityId'] === $e['entityId']) {
                $found = $i;
                break;
            }
        }
        if ($found === null) {
            foreach ($s['records'] as $i => $r) {
                if ($r['entity'] === $e['entity'] && $r['entityId'] === null) {
                    $found = $i;
                    break;
                }
            }
        }
        $R = $found === null ? null : $s['records'][$found];
        $record = static function (array &$s) use ($found, $e): void {
            if ($found !== null) {
                array_splice($s['records'], $found, 1);
            }
            $s['records'][] = [
                'entity' => $e['entity'], 'entityId' => $e['entityId'], 'status' => $e['status'],
                'outcome' => $e['outcome'], 'final' => $e['final'], 'lastEventTimestampMs' => $e['ts'],
            ];
        };

        if ($R !== null && $R['lastEventTimestampMs'] !== null && $e['ts'] < $R['lastEventTimestampMs']) {
            return ['skip', 'stale', $s];
        }
        if (!in_array($e['entity'], ['payment', 'refund', 'order'], true) || !self::knownOutcome($e['outcome'])) {
            return ['skip', 'no_outcome', $s];
        }
        if ($R !== null) {
            if ($e['status'] !== null && $R['status'] === $e['status']) {
                $describesTop = $s['status'] !== null && $s['status'] === $R['status'] && $s['entityId'] === $R['entityId']
                    && ($s['entity'] === null || $s['entity'] === $R['entity']);
                array_splice($s['records'], $found, 1);
                $R['lastEventTimestampMs'] = $e['ts'];
                $R['entityId'] = $R['entityId'] ?? $e['entityId'];
                $s['records'][] = $R;
                if ($describesTop) {
                    $s['lastEventId'] = $id;
                    $s['lastEventTimestampMs'] = $e['ts'];
                }
                return ['skip', 'unchanged', $s];
            }
            $reversal = $R['status'] === 'CONFIRMED' && $e['final'];
            if ($R['final'] === true || ($R['outcome'] === 'paid' && $e['outcome'] !== 'paid' && !$reversal)) {
                return ['skip', 'regression', $s];
            }
            if ($R['lastEventTimestampMs'] === $e['ts']
                && self::rank($e['entity'], $e['status'], $e['final']) < self::rank($R['entity'], $R['status'], $R['final'] === true)) {
                return ['skip', 'same_timestamp', $s];
            }
        }
        if ($paidBefore && in_array($e['entity'], ['payment', 'order'], true) && $e['outcome'] !== 'paid'
            && !($R !== null && $R['outcome'] === 'paid')) {
            $record($s);
            return ['skip', 'already_paid', $s];
        }
        $record($s);
        if ($e['outcome'] !== self::orderOutcome($s['records'])) {
            return ['skip', 'recorded', $s];
        }
        $reason = (!$hadRecords && $s['lastEventTimestampMs'] === null) ? 'first' : 'newer';
        $s['status'] = $e['status'];
        $s['entity'] = $e['entity'];
        $s['entityId'] = $e['entityId'];
        $s['outcome'] = $e['outcome'];
        $s['final'] = $e['final'];
        $s['lastEventId'] = $id;
        $s['lastEventTimestampMs'] = $e['ts'];
        return ['apply', $reason, $s];
    }

    /**
     * The decision's extra members and the new state's JSON.
     *
     * @param array<string, mixed> $e
     * @param array<string, mixed> $s
     * @return array{0: string, 1: JsonObject|array<string, ?string>, 2: string}
     */
    private static function finishDecision(array $e, array $s): array
    {
        while (count($s['records']) > self::MAX_ENTITIES) {
            $drop = 0;
            foreach ($s['records'] as $i => $r) {
                if (!in_array($r['outcome'], ['paid', 'refunded'], true)) {
                    $drop = $i;
                    break;
                }
            }
            array_splice($s['records'], $drop, 1);
        }
        $orderOutcome = self::orderOutcome($s['records']);
        if ($e['suggested'] instanceof JsonObject && $e['outcome'] === $orderOutcome) {
            $suggested = $e['suggested'];
        } else {
            $key = in_array($orderOutcome, self::OUTCOMES, true) ? $orderOutcome : 'unknown';
            $suggested = [
                'woocommerce' => self::DEFAULT_SUGGESTED['woocommerce'][$key],
                'prestashop' => self::DEFAULT_SUGGESTED['prestashop'][$key],
            ];
        }
        $o = new JsonObject();
        foreach (['status', 'entity', 'entityId', 'outcome', 'final', 'lastEventId', 'lastEventTimestampMs', 'recentEventIds'] as $k) {
            $o->set($k, $s[$k]);
        }
        $o->set('orderOutcome', $orderOutcome);
        $records = [];
        foreach ($s['records'] as $r) {
            $ro = new JsonObject();
            foreach (self::RECORD_KEYS as $k) {
                $ro->set($k, $r[$k]);
            }
            $records[] = $ro;
        }
        $o->set('entities', $records);
        foreach ($s['other'] as [$k, $v]) {
            $o->set($k, $v);
        }
        return [$orderOutcome, $suggested, Json::encode($o)];
    }

    // ---------------------------------------------------------------- results

    /** @param array<string, mixed> $fields */
    private function ok(array $fields): string
    {
        $o = new JsonObject();
        $o->set('ok', true);
        $o->set('status', 'OK');
        $o->set('httpStatus', 200);
        foreach ($fields as $k => $v) {
            $o->set($k, is_array($v) ? self::obj($v) : $v);
        }
        return Json::encode($o);
    }

    private function error(Failure $f): string
    {
        $o = new JsonObject();
        $o->set('ok', false);
        $o->set('status', $f->status);
        $o->set('httpStatus', Status::httpStatus($f->status));
        $o->set('message', $f->getMessage());
        if ($f->field !== null) {
            $o->set('field', $f->field);
        }
        if ($f->signature !== null) {
            $o->set('signature', self::obj($f->signature));
        }
        return Json::encode($o);
    }

    /** @param array<string, mixed> $a */
    private static function obj(array $a): JsonObject
    {
        $o = new JsonObject();
        foreach ($a as $k => $v) {
            $o->set((string) $k, $v);
        }
        return $o;
    }

    private static function truncate(string $s, int $maxChars): string
    {
        if (!preg_match('/\A.{0,' . $maxChars . '}/su', $s, $m) || strlen($m[0]) === strlen($s)) {
            return $s;
        }
        return $m[0] . '...';
    }

    private static function asciiLower(string $s): string
    {
        return strtr($s, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz');
    }
}
