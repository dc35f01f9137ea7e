"""manage.py rotate_resident_keys — re-encrypt every resident identifier with the current key, and
every other value sealed under the same keys (volunteers' and hotline callers' numbers: the parts
registered in ``residents.rotation``).

Rotation, step by step:
1. ``manage.py rotate_resident_keys --new-key k2`` prints a fresh entry ``k2:<base64>``.
2. Put it first in GRIDGOV_RESIDENT_KEYS, keeping the old key(s) after it, and restart.
   New writes now use k2; rows under older keys still decrypt and are still found by search.
3. ``manage.py rotate_resident_keys`` re-encrypts and re-hashes every row not yet under k2,
   in batches (safe to stop and run again).
4. When it reports nothing left, remove the old keys from the variable.
"""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from residents import privacy
from residents.actions import rotate_keys
from residents.models import Person
from residents.rotation import sealed_parts


class Command(BaseCommand):
    help = "Re-encrypt and re-hash resident identifiers (and volunteers' and callers' numbers) under the current key of GRIDGOV_RESIDENT_KEYS."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--new-key", metavar="KEY_ID", help="only print a fresh keyid:base64 entry to put first in the variable")
        parser.add_argument("--check", action="store_true", help="only report how many people are not under the current key")

    def handle(self, *args, batch_size: int, new_key: str | None, check: bool, **options):
        if new_key:
            try:
                self.stdout.write(privacy.new_key_entry(new_key))
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            return
        ring = privacy.keyring()
        current = ring.current.key_id
        stale = Person.objects.exclude(key_id="").exclude(key_id=current)
        if check:
            others = "".join(f"; {part.stale()} {part.label}" for part in sealed_parts())
            self.stdout.write(f"Current key {current}; {stale.count()} people{others} under older keys.")
            return
        total = stale.count()
        self.stdout.write(f"Re-encrypting {total} people under key {current}…")
        bar = tqdm(total=total, unit="person", disable=options.get("verbosity", 1) == 0)

        def progress(done: int, _total: int) -> None:
            bar.update(done - bar.n)

        def part_done(label: str, count: int) -> None:
            self.stdout.write(f"{count} {label} re-encrypted.")

        try:
            done = rotate_keys(batch_size=batch_size, progress=progress, on_part=part_done)
        except privacy.DecryptionError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        left = Person.objects.exclude(key_id="").exclude(key_id=current).count() + sum(part.stale() for part in sealed_parts())
        self.stdout.write(self.style.SUCCESS(f"Done: {done} people re-encrypted; {left} values left under older keys."))
