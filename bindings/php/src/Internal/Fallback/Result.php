<?php

declare(strict_types=1);

namespace Everifin\Webhook\Internal\Fallback;

use Everifin\Webhook\Status;

/**
 * src/result.rs: the result JSON of each function (ok, status, httpStatus, then the payload or
 * message, field, signature), written like the core writes it.
 *
 * @internal
 */
final class Result
{
    private function __construct()
    {
    }

    /**
     * An ok result with its payload members, each written compactly (a JsonRaw as it is).
     *
     * @param array<string, mixed> $payload
     */
    public static function ok(array $payload): string
    {
        $out = '{"ok":true,"status":"OK","httpStatus":200';
        foreach ($payload as $k => $v) {
            $out .= ',' . JsonWriter::string($k) . ':' . JsonWriter::compact(is_array($v) && !array_is_list($v) ? (object) $v : $v);
        }
        return $out . '}';
    }

    public static function error(Failure $f): string
    {
        $out = '{"ok":false,"status":' . JsonWriter::string($f->status) . ',"httpStatus":' . Status::httpStatus($f->status)
            . ',"message":' . JsonWriter::string($f->getMessage());
        if ($f->field !== null) {
            $out .= ',"field":' . JsonWriter::string($f->field);
        }
        if ($f->signature !== null) {
            $out .= ',"signature":' . JsonWriter::compact((object) $f->signature);
        }
        return $out . '}';
    }

    /**
     * result::process_compact (option compactResult): the success of process as one array, in
     * design.md's order, with hookData's byte range in the body instead of its text.
     *
     * @param array{timestamp: string, key: string, secretIndex: int, ageMs: int} $signature
     * @param list<mixed> $event the values of Normalize::KEYS
     * @param array{0: int, 1: int}|null $hookRange [offset, length], null when hookData is absent or null
     */
    public static function compact(array $signature, array $event, ?array $hookRange): string
    {
        $suggested = new \stdClass();
        foreach ($event[18] as $platform => $state) {
            $suggested->{(string) $platform} = $state;
        }
        $values = [1, $signature['timestamp'], $signature['key'], $signature['secretIndex'], $signature['ageMs']];
        for ($i = 1; $i <= 17; $i++) {
            $values[] = $event[$i];
        }
        $values[] = $hookRange === null ? null : $hookRange[0];
        $values[] = $hookRange === null ? null : $hookRange[1];
        $values[] = $suggested;
        return JsonWriter::compact($values);
    }

    /**
     * result::process / result::normalize
     *
     * @param list<mixed> $event the values of Normalize::KEYS
     */
    public static function event(?array $signature, array $event, ?string $hookDataText): string
    {
        $out = '{"ok":true,"status":"OK","httpStatus":200';
        if ($signature !== null) {
            $out .= ',"signature":' . JsonWriter::compact((object) $signature);
        }
        return $out . ',"event":' . Normalize::json($event, $hookDataText) . '}';
    }
}
