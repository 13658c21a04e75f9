<?php
/**
 * TEST persistent object cache drop-in of tests/dist/wordpress.sh (never shipped): WordPress's
 * WP_Object_Cache, the request's own copies, in front of the test's Redis server (unix socket
 * EVF_TEST_REDIS_SOCKET), as Redis Object Cache and the Memcached drop-ins work: a set or add is
 * written to Redis at once, a delete deletes there at once, a get that the request has not seen
 * yet reads Redis. So what one request caches, every later request reads, until something
 * deletes it; groups declared non-persistent stay in the request.
 */

require_once ABSPATH . WPINC . '/class-wp-object-cache.php';

final class Evf_Test_Redis_Object_Cache extends WP_Object_Cache
{
    private Redis $redis;
    /** @var array<string, true> */
    private array $local = [];

    public function __construct()
    {
        parent::__construct();
        $this->redis = new Redis();
        $this->redis->connect(EVF_TEST_REDIS_SOCKET);
    }

    private static function group($group): string
    {
        return $group === '' || $group === null ? 'default' : (string) $group;
    }

    private function shared($group): bool
    {
        return !isset($this->local[self::group($group)]);
    }

    private function key($key, $group): string
    {
        $group = self::group($group);
        return (isset($this->global_groups[$group]) ? 'global' : 'blog' . $this->blog_prefix) . ':' . $group . ':' . $key;
    }

    public function add_non_persistent_groups($groups): void
    {
        foreach ((array) $groups as $group) {
            $this->local[$group] = true;
        }
    }

    public function get($key, $group = 'default', $force = false, &$found = null)
    {
        if (($force || !$this->_exists($key, self::group($group))) && $this->shared($group)) {
            $raw = $this->redis->get($this->key($key, $group));
            if ($raw === false) {
                parent::delete($key, $group);
                $found = false;
                ++$this->cache_misses;
                return false;
            }
            parent::set($key, unserialize($raw), $group);
        }
        return parent::get($key, $group, false, $found);
    }

    public function set($key, $data, $group = 'default', $expire = 0)
    {
        if ($this->shared($group)) {
            $this->redis->set($this->key($key, $group), serialize(is_object($data) ? clone $data : $data));
        }
        return parent::set($key, $data, $group, $expire);
    }

    public function add($key, $data, $group = 'default', $expire = 0)
    {
        if (wp_suspend_cache_addition()) {
            return false;
        }
        $found = false;
        $this->get($key, $group, false, $found);
        return $found ? false : $this->set($key, $data, $group, $expire);
    }

    public function replace($key, $data, $group = 'default', $expire = 0)
    {
        $found = false;
        $this->get($key, $group, false, $found);
        return $found ? $this->set($key, $data, $group, $expire) : false;
    }

    public function delete($key, $group = 'default', $deprecated = false)
    {
        $deleted = $this->shared($group) && $this->redis->del($this->key($key, $group)) > 0;
        return parent::delete($key, $group) || $deleted;
    }

    public function incr($key, $offset = 1, $group = 'default')
    {
        $this->get($key, $group);
        $value = parent::incr($key, $offset, $group);
        if ($value !== false) {
            $this->set($key, $value, $group);
        }
        return $value;
    }

    public function decr($key, $offset = 1, $group = 'default')
    {
        $this->get($key, $group);
        $value = parent::decr($key, $offset, $group);
        if ($value !== false) {
            $this->set($key, $value, $group);
        }
        return $value;
    }

    public function flush()
    {
        $this->redis->flushDB();
        return parent::flush();
    }
}

function wp_cache_init()
{
    $GLOBALS['wp_object_cache'] = new Evf_Test_Redis_Object_Cache();
}

function wp_cache_add($key, $data, $group = '', $expire = 0)
{
    return $GLOBALS['wp_object_cache']->add($key, $data, $group, (int) $expire);
}

function wp_cache_replace($key, $data, $group = '', $expire = 0)
{
    return $GLOBALS['wp_object_cache']->replace($key, $data, $group, (int) $expire);
}

function wp_cache_set($key, $data, $group = '', $expire = 0)
{
    return $GLOBALS['wp_object_cache']->set($key, $data, $group, (int) $expire);
}

function wp_cache_get($key, $group = '', $force = false, &$found = null)
{
    return $GLOBALS['wp_object_cache']->get($key, $group, $force, $found);
}

function wp_cache_delete($key, $group = '')
{
    return $GLOBALS['wp_object_cache']->delete($key, $group);
}

function wp_cache_incr($key, $offset = 1, $group = '')
{
    return $GLOBALS['wp_object_cache']->incr($key, $offset, $group);
}

function wp_cache_decr($key, $offset = 1, $group = '')
{
    return $GLOBALS['wp_object_cache']->decr($key, $offset, $group);
}

function wp_cache_flush()
{
    return $GLOBALS['wp_object_cache']->flush();
}

function wp_cache_close()
{
    return true;
}

function wp_cache_add_global_groups($groups)
{
    $GLOBALS['wp_object_cache']->add_global_groups($groups);
}

function wp_cache_add_non_persistent_groups($groups)
{
    $GLOBALS['wp_object_cache']->add_non_persistent_groups($groups);
}

function wp_cache_switch_to_blog($blog_id)
{
    $GLOBALS['wp_object_cache']->switch_to_blog($blog_id);
}
