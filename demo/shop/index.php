<?php
/* The demo shop's front page: the order history (see history.php). Webhooks go to /webhook.php. */

declare(strict_types=1);

require __DIR__ . '/history.php';
