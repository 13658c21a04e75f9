<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal\Fallback;

use Everifin\Webhook\Internal\SecretList;
use Everifin\Webhook\Status;

/**
 * src/options.rs: the options JSON, validated; the pure-PHP backend's "verifier handle". Unknown
 * keys are refused so that a typo never silently weakens a check.
 *
 * @internal
 */
final class Options
{
    /** oldest first; none only for normalize (read with secrets()) */
    private ?SecretList $secrets = null;
    public int $toleranceSeconds = Constants::DEFAULT_TOLERANCE_SECONDS;
    public bool $confirmedIsPaid = false;
    public int $maxBodyBytes = Constants::DEFAULT_MAX_BODY_BYTES;
    /** process() answers success with the compact array (docs/design.md) */
    public bool $compactResult = false;
    /** @var array<array-key, array<string, ?string>> platform => outcome => state, in table order */
    public array $suggested = Suggested::DEFAULTS;
    /** @var array<string, array<array-key, ?string>> the event's `suggested` per outcome, made when first asked */
    private array $suggestedByOutcome = [];
    /** @var list<\HashContext> HMAC-SHA256 keyed with each secret (made for a second message, then copied for each) */
    private array $keyed = [];
    private bool $used = false;

    /**
     * hash_hmac('sha256', "$ts.$body", $secret) for each secret, oldest first. A verifier that
     * checks more than one message (a long-running worker) keys a context with each secret once
     * and copies it per message, hashing the body without writing "$ts.$body" out; the first
     * message (often the only one: PHP-FPM makes a verifier per request) takes hash_hmac.
     *
     * @return list<string> lowercase hex
     */
    public function macs(string $ts, string $body): array
    {
        if (!$this->used) {
            $this->used = true;
            $macs = [];
            foreach ($this->secrets() as $secret) {
                $macs[] = hash_hmac('sha256', $ts . '.' . $body, $secret);
            }
            return $macs;
        }
        if (count($this->keyed) !== count($this->secrets())) {
            $this->keyed = [];
            foreach ($this->secrets() as $secret) {
                $this->keyed[] = hash_init('sha256', HASH_HMAC, $secret);
            }
        }
        $macs = [];
        foreach ($this->keyed as $keyed) {
            $h = hash_copy($keyed);
            hash_update($h, $ts . '.');
            hash_update($h, $body);
            $macs[] = hash_final($h);
        }
        return $macs;
    }

    /** @return list<string> the hook secrets, oldest first (none for normalize) */
    public function secrets(): array
    {
        return $this->secrets === null ? [] : $this->secrets->get();
    }

    /** Forgets the secrets (the verifier is freed). */
    public function clearSecrets(): void
    {
        $this->secrets = null;
        $this->keyed = [];
    }

    /**
     * The `suggested` object of an event with this outcome (Suggested::forOutcome of the table).
     *
     * @return array<array-key, ?string>
     */
    public function suggestedFor(string $outcome): array
    {
        return $this->suggestedByOutcome[$outcome] ??= Suggested::forOutcome($this->suggested, $outcome);
    }

    /** Options for a verifier: "secrets" is required. */
    public static function forVerifier(string $json): self
    {
        return self::requireSecrets(self::parse($json));
    }

    /** $o, when it has secrets (a verifier's, or explain's without its retiredSecrets). */
    public static function requireSecrets(self $o): self
    {
        if ($o->secrets === null) {
            throw self::invalid('options: "secrets" is required (an array of hook secrets, oldest first)');
        }
        return $o;
    }

    /** Options; an empty input means {}. */
    public static function parse(string $json): self
    {
        $o = new self();
        if ($json === '') {
            return $o;
        }
        Secret::requireUtf8($json, 'options');
        [$ok, $value, $error] = JsonReader::decode($json, Constants::MAX_INPUT_DEPTH);
        if (!$ok) {
            throw self::invalid('options are not valid JSON (' . $error . ')');
        }
        return self::fromValue($value);
    }

    /**
     * Options from a decoded value (explain removes "retiredSecrets" first).
     *
     * @param mixed $value
     */
    public static function fromValue($value): self
    {
        if (!$value instanceof \stdClass && !(is_array($value) && ($value === [] ? false : !array_is_list($value)))) {
            throw self::invalid('options must be a JSON object');
        }
        $o = new self();
        foreach ($value as $key => $v) {
            switch ((string) $key) {
                case 'secrets':
                    $o->secrets = new SecretList(Secret::parseList($v, 'options: "secrets"'));
                    break;
                case 'toleranceSeconds':
                    $o->toleranceSeconds = self::integerIn($v, 'toleranceSeconds', 0, Constants::MAX_TOLERANCE_SECONDS);
                    break;
                case 'confirmedIsPaid':
                    if (!is_bool($v)) {
                        throw self::invalid('options: "confirmedIsPaid" must be true or false');
                    }
                    $o->confirmedIsPaid = $v;
                    break;
                case 'maxBodyBytes':
                    $o->maxBodyBytes = self::integerIn($v, 'maxBodyBytes', 1, Constants::MAX_MAX_BODY_BYTES);
                    break;
                case 'suggestedStates':
                    $o->suggested = self::suggested($v);
                    break;
                case 'compactResult':
                    if (!is_bool($v)) {
                        throw self::invalid('options: "compactResult" must be true or false');
                    }
                    $o->compactResult = $v;
                    break;
                default:
                    throw self::invalid(sprintf(
                        'options: unknown option %s (known: secrets, toleranceSeconds, confirmedIsPaid, maxBodyBytes, suggestedStates, compactResult)',
                        JsonWriter::string(Text::truncate((string) $key, 64))
                    ));
            }
        }
        return $o;
    }


    /** @param mixed $v */
    private static function integerIn($v, string $key, int $min, int $max): int
    {
        if (!is_int($v) || $v < $min || $v > $max) {
            throw self::invalid(sprintf('options: "%s" must be a whole number from %d to %d', $key, $min, $max));
        }
        return $v;
    }

    /**
     * @param mixed $v
     * @return array<array-key, array<string, ?string>>
     */
    private static function suggested($v): array
    {
        if (!$v instanceof \stdClass && !(is_array($v) && $v !== [] && !array_is_list($v))) {
            throw self::invalid('options: "suggestedStates" must be an object {platform: {outcome: state}}');
        }
        $table = Suggested::DEFAULTS;
        foreach ($v as $platform => $entries) {
            $platform = (string) $platform;
            if ($platform === '') {
                throw self::invalid('options: "suggestedStates" has an empty platform name');
            }
            if (!$entries instanceof \stdClass && !(is_array($entries) && $entries !== [] && !array_is_list($entries))) {
                throw self::invalid(sprintf('options: suggestedStates.%s must be an object {outcome: state}', Text::truncate($platform, 64)));
            }
            $row = $table[$platform] ?? array_fill_keys(Outcome::ALL, null);
            foreach ($entries as $outcome => $state) {
                $outcome = (string) $outcome;
                if (!in_array($outcome, Outcome::ALL, true)) {
                    throw self::invalid(sprintf(
                        'options: suggestedStates.%s: %s is not an outcome (known: %s)',
                        Text::truncate($platform, 64),
                        JsonWriter::string(Text::truncate($outcome, 64)),
                        implode(', ', Outcome::ALL)
                    ));
                }
                if ($state !== null && !is_string($state)) {
                    throw self::invalid(sprintf('options: suggestedStates.%s.%s must be a string or null', Text::truncate($platform, 64), $outcome));
                }
                $row[$outcome] = $state;
            }
            $table[$platform] = $row;
        }
        return $table;
    }

    private static function invalid(string $message): Failure
    {
        return new Failure(Status::INVALID_OPTIONS, $message);
    }

    /** @return array<string, mixed> */
    public function __debugInfo(): array
    {
        return ['secrets' => sprintf('[%d redacted]', count($this->secrets())), 'toleranceSeconds' => $this->toleranceSeconds,
            'confirmedIsPaid' => $this->confirmedIsPaid, 'maxBodyBytes' => $this->maxBodyBytes];
    }

    /** @return array<string, mixed> */
    public function __serialize(): array
    {
        throw new \LogicException('verifier options hold secrets and cannot be serialized');
    }
}
