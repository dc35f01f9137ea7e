"""Needs (诉求) carried up from households in an emergency, and the volunteers (社会力量) who help fulfil them.

docs/needs.md describes the rules; ``actions`` holds every write.
"""
