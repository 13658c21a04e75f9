<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal\Fallback;

use Everifin\Webhook\Exception\WebhookException;
use Everifin\Webhook\Status;

/**
 * src/timestamp.rs: strict RFC 3339 UTC timestamps (docs/behaviour.md section 4), as Unix
 * milliseconds.
 *
 * @internal
 */
final class Timestamp
{
    private const CANONICAL = '/\A[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z\z/';
    private const RE = '/\A([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?(?:Z|[+-]00:00)\z/';

    /** Unix milliseconds (sub-millisecond digits truncated), or null when the text is not accepted. */
    public static function parseMs(string $s): ?int
    {
        // The usual form, YYYY-MM-DDTHH:MM:SS.mmmZ: digits checked at once, fields by place.
        if (strlen($s) === 24 && preg_match(self::CANONICAL, $s)) {
            $y = (int) substr($s, 0, 4);
            $mo = (int) substr($s, 5, 2);
            $d = (int) substr($s, 8, 2);
            $h = (int) substr($s, 11, 2);
            $mi = (int) substr($s, 14, 2);
            $se = (int) substr($s, 17, 2);
            if ($mo < 1 || $mo > 12 || $d < 1 || ($d > 28 && $d > self::daysInMonth($y, $mo)) || $h > 23 || $mi > 59 || $se > 59) {
                return null;
            }
            $secs = $y > 100 ? gmmktime($h, $mi, $se, $mo, $d, $y) : self::daysFromCivil($y, $mo, $d) * 86400 + $h * 3600 + $mi * 60 + $se;
            return $secs * 1000 + (int) substr($s, 20, 3);
        }
        if (!preg_match(self::RE, $s, $m)) {
            return null;
        }
        $y = (int) $m[1];
        $mo = (int) $m[2];
        $d = (int) $m[3];
        $h = (int) $m[4];
        $mi = (int) $m[5];
        $se = (int) $m[6];
        $dim = $mo === 2 ? ((($y % 4 === 0 && $y % 100 !== 0) || $y % 400 === 0) ? 29 : 28) : (($mo === 4 || $mo === 6 || $mo === 9 || $mo === 11) ? 30 : 31);
        if ($mo < 1 || $mo > 12 || $d < 1 || $d > $dim || $h > 23 || $mi > 59 || $se > 59) {
            return null;
        }
        $f = $m[7] ?? '';
        $ms = $f === '' ? 0 : (int) substr($f . '00', 0, 3);
        // gmmktime reads years below 101 as two-digit years: those by the calendar arithmetic.
        $secs = $y > 100 ? gmmktime($h, $mi, $se, $mo, $d, $y) : self::daysFromCivil($y, $mo, $d) * 86400 + $h * 3600 + $mi * 60 + $se;
        return $secs * 1000 + $ms;
    }

    /** Whether an accepted timestamp is already written as {@see formatMs()} writes it. */
    public static function isCanonical(string $s): bool
    {
        return strlen($s) === 24 && $s[19] === '.' && $s[23] === 'Z';
    }

    /** `YYYY-MM-DDTHH:MM:SS.mmmZ` for Unix milliseconds. */
    public static function formatMs(int $ms): string
    {
        $secs = intdiv($ms, 1000);
        $milli = $ms % 1000;
        if ($milli < 0) {
            $milli += 1000;
            $secs -= 1;
        }
        $days = intdiv($secs, 86400);
        $rem = $secs % 86400;
        if ($rem < 0) {
            $rem += 86400;
            $days -= 1;
        }
        [$y, $mo, $d] = self::civilFromDays($days);
        return sprintf('%04d-%02d-%02dT%02d:%02d:%02d.%03dZ', $y, $mo, $d, intdiv($rem, 3600), intdiv($rem % 3600, 60), $rem % 60, $milli);
    }

    public static function nowMs(): int
    {
        return (int) floor(microtime(true) * 1000);
    }

    /**
     * Unix milliseconds of a DateTime.
     *
     * @throws WebhookException INVALID_OPTIONS when it lies beyond the 64-bit millisecond range
     */
    public static function fromDateTime(\DateTimeInterface $t): int
    {
        $secs = $t->getTimestamp();
        if ($secs > 9223372036854774 || $secs < -9223372036854774) { // intdiv(PHP_INT_MAX, 1000) - 1, intdiv(PHP_INT_MIN, 1000) + 1
            throw WebhookException::forStatus(Status::INVALID_OPTIONS, sprintf('now (%s) is beyond the range of 64-bit Unix milliseconds', $t->format('Y-m-d\\TH:i:s\\Z')));
        }
        return $secs * 1000 + (int) $t->format('v');
    }

    private static function daysInMonth(int $y, int $m): int
    {
        if ($m === 2) {
            return (($y % 4 === 0 && $y % 100 !== 0) || $y % 400 === 0) ? 29 : 28;
        }
        return in_array($m, [4, 6, 9, 11], true) ? 30 : 31;
    }

    /** Days since 1970-01-01 (proleptic Gregorian; H. Hinnant's algorithm). */
    private static function daysFromCivil(int $y, int $m, int $d): int
    {
        $y -= $m <= 2 ? 1 : 0;
        $era = intdiv($y >= 0 ? $y : $y - 399, 400);
        $yoe = $y - $era * 400;
        $doy = intdiv(153 * ($m + ($m > 2 ? -3 : 9)) + 2, 5) + $d - 1;
        $doe = $yoe * 365 + intdiv($yoe, 4) - intdiv($yoe, 100) + $doy;
        return $era * 146097 + $doe - 719468;
    }

    /** @return array{int,int,int} */
    private static function civilFromDays(int $z): array
    {
        $z += 719468;
        $era = intdiv($z >= 0 ? $z : $z - 146096, 146097);
        $doe = $z - $era * 146097;
        $yoe = intdiv($doe - intdiv($doe, 1460) + intdiv($doe, 36524) - intdiv($doe, 146096), 365);
        $y = $yoe + $era * 400;
        $doy = $doe - (365 * $yoe + intdiv($yoe, 4) - intdiv($yoe, 100));
        $mp = intdiv(5 * $doy + 2, 153);
        $d = $doy - intdiv(153 * $mp + 2, 5) + 1;
        $m = $mp + ($mp < 10 ? 3 : -9);
        return [$y + ($m <= 2 ? 1 : 0), $m, $d];
    }
}
